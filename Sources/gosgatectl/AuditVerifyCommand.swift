import Admin
import ArgumentParser
import Store

/// `gosgatectl audit verify [--file F] [--head HASH]`.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit hash chain: the daemon's, or offline a database copy or an export.",
        discussion: """
            Without --file the daemon walks its live chain. With --file no daemon is needed: FILE is a \
            copy of the gateway's SQLite database (opened read-only) or an `audit export` file. Records \
            cut off the end of a chain still leave a valid chain: pass --head with the head hash the \
            gateway showed (`gosgatectl status`, or the export's trailer) to catch that too. \
            Exits 6 when the chain is broken.
            """
    )

    @OptionGroup var options: AdminOptions

    @Option(help: ArgumentHelp("A database copy or an export to check offline.", valueName: "FILE"))
    var file: String?

    @Option(help: ArgumentHelp("The head hash the chain must end with.", valueName: "HASH"))
    var head: String?

    func run() throws {
        let console = options.console
        var report: AuditVerifyReport
        if let file {
            do {
                report = AuditVerifyReport(try AuditFileVerification.check(path: file))
            } catch {
                throw console.fail(code: "file_unreadable", message: error.description, exit: .failed)
            }
        } else {
            report = try console.call("GET", "/v1/audit/verify", as: AuditVerifyReport.self)
        }
        if let head { report = report.expecting(head: head) }
        console.emit(report) { Self.render(report) }
        if !report.intact { throw AdminExitCode.auditBroken.exitCode }
    }

    static func render(_ report: AuditVerifyReport) -> String {
        let range = report.count == 0 ? "no records" : "records \(report.firstSeq)…\(report.headSeq)"
        if report.intact {
            return "audit chain intact (\(report.source)): \(range), head \(report.headHash)"
        }
        let place = report.brokenAt.map { "at record \($0)" } ?? ""
        return "AUDIT CHAIN BROKEN (\(report.source)) \(place): \(report.reason ?? "unknown")\n"
            + "verified before the break: \(range), head \(report.headHash)"
    }
}
