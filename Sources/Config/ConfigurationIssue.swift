/// One problem found in a configuration file: where, what, and what to write instead.
public struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the offending key or value (0 when the problem is the file as a whole).
    public let line: Int
    /// 1-based column.
    public let column: Int
    /// Dotted key path, e.g. `token.driver`.
    public let keyPath: String
    /// What is wrong.
    public let problem: String
    /// What to write instead.
    public let fix: String

    public init(line: Int, column: Int, keyPath: String, problem: String, fix: String) {
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.problem = problem
        self.fix = fix
    }

    /// `line 12:3: token.driver: unknown driver "pkcs12"; write one of: pkcs11, pcsc, file`
    public var description: String {
        let location = line > 0 ? "line \(line):\(column): " : ""
        let key = keyPath.isEmpty ? "" : "\(keyPath): "
        return "\(location)\(key)\(problem); \(fix)"
    }
}

/// Why a configuration could not be used.
public enum ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The file was read; these issues must be fixed (all of them are listed, in file order).
    case invalid(path: String, issues: [ConfigurationIssue])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read configuration \(path): \(reason)"
        case .invalid(let path, let issues):
            let noun = issues.count == 1 ? "problem" : "problems"
            return "\(path): \(issues.count) \(noun)\n" + issues.map { "  \($0)" }.joined(separator: "\n")
        }
    }
}
