import Admin
import ArgumentParser

/// `gosgatectl quota show`.
struct QuotaShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show each identity's calls in the current minute, hour and day against EPGU's limits."
    )

    @OptionGroup var options: AdminOptions

    func run() throws {
        let console = options.console
        let quota = try console.call("GET", "/v1/quota", as: QuotaReport.self)
        console.emit(quota) { (["queue depth \(quota.queueDepth)"] + Self.table(quota)).joined(separator: "\n") }
    }

    /// The counters as table lines (also part of `status`).
    static func table(_ quota: QuotaReport) -> [String] {
        guard !quota.counters.isEmpty else { return ["no identities loaded"] }
        var table = TextTable("IDENTITY", "WINDOW", "USED", "LIMIT", "LEFT", "RESETS")
        for counter in quota.counters {
            table.add("\(counter.environment)/\(counter.identity)", counter.window, String(counter.used),
                      String(counter.limit), String(counter.remaining), HumanFormat.time(counter.resetsAt))
        }
        return table.render().components(separatedBy: "\n")
    }
}
