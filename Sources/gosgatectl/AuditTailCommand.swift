import Admin
import ArgumentParser
import Foundation

/// `gosgatectl audit tail [-n N] [-f]`.
struct AuditTailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show the newest audit records; with -f keep printing new ones as they are written.",
        discussion: "With --json and -f, one JSON object per record and line (JSON Lines)."
    )

    @OptionGroup var options: AdminOptions

    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many records to show first (1…1000).")
    var lines = 20

    @Flag(name: .shortAndLong, help: "Follow: wait for new records until interrupted.")
    var follow = false

    func validate() throws {
        guard (1...1000).contains(lines) else { throw ValidationError("-n must be 1…1000") }
    }

    func run() throws {
        let console = options.console
        let tail = try console.call("GET", "/v1/audit?limit=\(lines)", as: AuditTailReport.self)
        guard follow else {
            console.emit(tail) { tail.records.isEmpty ? "the audit log is empty" : tail.records.map(AuditCommand.line).joined(separator: "\n") }
            return
        }
        for record in tail.records { printFollowed(record) }
        var after = tail.headSeq
        while true {
            let next = try console.call("GET", "/v1/audit?after=\(after)&wait=30", as: AuditTailReport.self)
            for record in next.records {
                printFollowed(record)
                after = record.seq
            }
        }
    }

    private func printFollowed(_ record: AuditEntryReport) {
        if options.json {
            let data = (try? AdminJSON.encoder().encode(record)) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(AuditCommand.line(record))
        }
        fflush(nil)
    }
}
