import Admin
import ArgumentParser
import Foundation

/// `gosgatectl audit export [--since WHEN] --format jsonl [--output FILE]`.
struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the audit chain as JSON Lines with its head hash, for offline `audit verify --file`.",
        discussion: """
            --since takes 2025-01-31, 2025-01-31T09:00:00+03:00, or an age such as 90m, 24h or 7d. \
            The first line names the record the export chains from, the last one the head hash; \
            an export without that last line was cut short.
            """
    )

    @OptionGroup var options: AdminOptions

    @Option(help: ArgumentHelp("Records written at or after WHEN (all records when absent).", valueName: "WHEN"))
    var since: String?

    @Option(help: "Output format; jsonl is the only one.")
    var format = "jsonl"

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format: only jsonl is supported") }
        if let since, Self.parseSince(since, now: Date()) == nil {
            throw ValidationError("--since \(since): write a date (2025-01-31), a date-time (2025-01-31T09:00:00Z) or an age (90m, 24h, 7d)")
        }
    }

    func run() throws {
        let console = AdminConsole(client: AdminClient(socketPath: options.socketPath, timeout: 300), json: options.json)
        var path = "/v1/audit/export"
        if let since, let date = Self.parseSince(since, now: Date()) {
            path += "?since=" + AdminConsole.queryValue(date.formatted(.iso8601))
        }
        let sink: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: output) else {
                throw console.fail(code: "output_unwritable", message: "cannot create \(output)", exit: .failed)
            }
            sink = handle
        } else {
            sink = FileHandle.standardOutput
        }
        var status = 0
        var last = Data()
        var refusalBody = Data()
        do {
            try console.client.exchange("GET", path, onHead: { code, _ in status = code }) { piece in
                guard status < 400 else {
                    refusalBody.append(piece)
                    return
                }
                sink.write(piece)
                last = Data((last + piece).suffix(4096))
            }
        } catch {
            throw console.fail(code: "unreachable", message: error.description, exit: AdminExitCode(error))
        }
        if status >= 400 {
            let refusal = try? AdminJSON.decoder().decode(AdminErrorBody.self, from: refusalBody)
            throw console.fail(code: refusal?.code ?? "failed", message: refusal?.message ?? "gosgated answered HTTP \(status)",
                               exit: refusal.map(AdminExitCode.init) ?? .failed)
        }
        let lastLine = last.split(separator: UInt8(ascii: "\n")).last.map { Data($0) } ?? Data()
        guard (try? JSONDecoder().decode(TrailerProbe.self, from: lastLine))?.type == "trailer" else {
            throw console.fail(code: "export_truncated", message: "the export ended without its trailer: it is incomplete",
                               exit: .failed)
        }
        if let output {
            FileHandle.standardError.write(Data("audit exported to \(output)\n".utf8))
        }
    }

    private struct TrailerProbe: Decodable { let type: String }

    /// An absolute date, or an age before `now`.
    static func parseSince(_ text: String, now: Date) -> Date? {
        if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 {
            switch unit {
            case "m": return now.addingTimeInterval(-amount * 60)
            case "h": return now.addingTimeInterval(-amount * 3600)
            case "d": return now.addingTimeInterval(-amount * 86_400)
            default: break
            }
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }
}
