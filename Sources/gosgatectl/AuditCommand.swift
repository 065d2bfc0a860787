import Admin
import ArgumentParser

/// `gosgatectl audit …`: the tamper-evident log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read, follow, verify and export the tamper-evident audit log.",
        subcommands: [AuditTailCommand.self, AuditVerifyCommand.self, AuditExportCommand.self]
    )

    /// One record in one line: time, number, kind, actor, subject, details.
    static func line(_ entry: AuditEntryReport) -> String {
        let detail = entry.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(HumanFormat.time(entry.at))  #\(entry.seq)  \(entry.kind)  \(entry.actor)  \(entry.subject)  \(detail)"
    }
}
