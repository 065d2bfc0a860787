/// Failures of the SQLite store, each saying what to check.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database file could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// A schema migration failed; the database is left at its previous version.
    case migrationFailed(String)
    /// A write was refused (disk full, read-only filesystem, locked...).
    case writeFailed(String)
    /// A read failed.
    case readFailed(String)
    /// A record with this name already exists.
    case duplicate(kind: String, name: String)
    /// No record with this name.
    case notFound(kind: String, name: String)
    /// A value the caller supplied is not acceptable.
    case invalidValue(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open database \(path): \(reason) (check the directory exists and belongs to the gosgate user)"
        case .migrationFailed(let reason): return "database migration failed: \(reason); the database was not changed"
        case .writeFailed(let reason): return "database write failed: \(reason) (check free disk space and permissions)"
        case .readFailed(let reason): return "database read failed: \(reason)"
        case .duplicate(let kind, let name): return "\(kind) \"\(name)\" already exists"
        case .notFound(let kind, let name): return "no \(kind) named \"\(name)\""
        case .invalidValue(let reason): return reason
        }
    }
}
