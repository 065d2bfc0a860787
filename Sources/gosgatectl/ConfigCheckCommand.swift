import Admin
import ArgumentParser

/// `gosgatectl config check [FILE]`.
struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate FILE here, or without FILE the daemon's own file, listing every problem with its line.",
        discussion: """
            With FILE no daemon is needed. Without it the daemon checks the file it was started with \
            and also lists the settings that differ from the running ones (those need a restart). \
            Exits 2 when the file has problems.
            """
    )

    @OptionGroup var options: AdminOptions

    @Argument(help: "A configuration file to check without the daemon.")
    var file: String?

    func run() throws {
        let console = options.console
        let report: ConfigCheckReport
        if let file {
            report = ConfigurationReview.check(path: file, running: nil).report
        } else {
            report = try console.call("GET", "/v1/config/check", as: ConfigCheckReport.self)
        }
        console.emit(report) { Self.render(report) }
        if !report.valid { throw AdminExitCode.configurationInvalid.exitCode }
    }

    static func render(_ report: ConfigCheckReport) -> String {
        guard report.valid else {
            let noun = report.issues.count == 1 ? "problem" : "problems"
            return (["\(report.path): \(report.issues.count) \(noun)"] + report.issues.map { "  \($0)" })
                .joined(separator: "\n")
        }
        var lines = ["\(report.path): OK"]
        if !report.restartRequired.isEmpty {
            lines.append("differs from the running configuration (takes effect after `systemctl restart gosgate`): "
                         + report.restartRequired.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
