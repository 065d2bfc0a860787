import Admin
import ArgumentParser

/// `gosgatectl reload` (also `systemctl reload gosgate`).
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Validate the daemon's configuration, then apply it without dropping connections (operator tier).",
        discussion: """
            A file with problems changes nothing: every problem is listed and the exit status is 2. \
            Identities are re-read from the database (new ones start, removed ones stop, the others keep \
            their tokens) and waiting token managers try again; settings the running daemon built its \
            listeners, upstream pool or signer from are listed as needing a restart.
            """
    )

    @OptionGroup var options: AdminOptions

    func run() throws {
        let console = options.console
        let report = try console.call("POST", "/v1/reload", as: ReloadReport.self)
        console.emit(report) {
            var lines = ["reloaded \(report.path): \(report.applied.joined(separator: "; ")); \(report.identities) identities loaded"]
            if !report.restartRequired.isEmpty {
                lines.append("changed settings that need `systemctl restart gosgate`: \(report.restartRequired.joined(separator: ", "))")
            }
            return lines.joined(separator: "\n")
        }
    }
}
