import Admin
import ArgumentParser

/// `gosgatectl identity test NAME`: obtain a token now, step by step.
struct IdentityTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Obtain an ESIA token for an identity now and report each step (operator tier).",
        discussion: "The token manager's current token keeps being served meanwhile. Exits 1 when a step fails."
    )

    @OptionGroup var options: AdminOptions

    @Argument(help: "The identity's name.")
    var name: String

    func run() throws {
        let console = options.console
        let report = try console.call("POST", IdentityCommand.path(name, "/test"), as: IdentityTestReport.self)
        console.emit(report) {
            var table = TextTable("STEP", "RESULT", "TIME", "DETAIL")
            for step in report.steps {
                table.add(step.name, step.ok ? "ok" : "FAILED \(step.code ?? "")", "\(step.milliseconds) ms", step.detail)
            }
            return table.render() + "\n" + (report.ok ? "identity \(report.identity): token obtained"
                                                       : "identity \(report.identity): FAILED")
        }
        if !report.ok { throw AdminExitCode.failed.exitCode }
    }
}
