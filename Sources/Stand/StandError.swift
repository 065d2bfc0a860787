/// Why a stand could not be set up or started, with what to do about it.
public enum StandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file is missing, unreadable or inconsistent.
    case configuration(String)
    /// A key, certificate or directory could not be read or written.
    case io(String)
    /// Key material is unusable (wrong kind, mismatching key and certificate).
    case keyMaterial(String)
    /// The database could not be opened or migrated.
    case database(String)
    /// A listener could not be started.
    case listener(String)

    public var description: String {
        switch self {
        case .configuration(let why): return "stand configuration: \(why)"
        case .io(let why): return why
        case .keyMaterial(let why): return "stand keys: \(why)"
        case .database(let why): return "stand database: \(why)"
        case .listener(let why): return "stand listener: \(why)"
        }
    }
}
