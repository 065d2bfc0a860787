import Config

/// One problem in a configuration file, with its place.
public struct ConfigurationIssueInfo: Codable, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let key: String
    public let problem: String
    public let fix: String

    init(_ issue: ConfigurationIssue) {
        line = issue.line
        column = issue.column
        key = issue.keyPath
        problem = issue.problem
        fix = issue.fix
    }

    /// `line 12:3: token.driver: problem; fix`, as `gosgated --check-config` prints it.
    public var description: String {
        ConfigurationIssue(line: line, column: column, keyPath: key, problem: problem, fix: fix).description
    }
}
