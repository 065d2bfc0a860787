import Admin
import ArgumentParser

/// `gosgatectl status`: the one screen to look at first.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show version, uptime, token, identities, upstreams, quota, audit and readiness.",
        discussion: "Exits 0 when the gateway is ready, 5 when it runs but is not ready (the reasons are listed)."
    )

    @OptionGroup var options: AdminOptions

    func run() throws {
        let console = options.console
        let status = try console.call("GET", "/v1/status", as: StatusReport.self)
        console.emit(status) { Self.render(status) }
        if !status.ready { throw AdminExitCode.notReady.exitCode }
    }

    static func render(_ status: StatusReport) -> String {
        var lines = ["gosgated \(status.version), up \(HumanFormat.duration(status.uptimeSeconds)) (since \(HumanFormat.time(status.startedAt)))"]
        lines.append(status.ready ? "Ready" : "NOT READY")
        lines += status.reasons.map { "  - \($0)" }
        lines.append("")
        lines.append("Token")
        lines += TokenStatusCommand.render(status.token).map { "  " + $0 }
        lines.append("")
        lines.append("Identities")
        var identities = TextTable("NAME", "ENV", "TOKEN", "EXPIRES IN", "NOTE")
        for identity in status.identities {
            identities.add(identity.name, identity.environment, identity.state, HumanFormat.duration(identity.expiresInSeconds),
                           identity.reason.map { "\(identity.code ?? ""): \($0)" } ?? "")
        }
        lines.append(identities.isEmpty ? "  none: add one with `gosgatectl identity add`" : identities.render(indent: 2))
        lines.append("")
        lines.append("Upstreams")
        var upstreams = TextTable("ENV", "SERVICE", "TCP", "URL")
        for upstream in status.upstreams {
            upstreams.add(upstream.environment, upstream.service,
                          upstream.reachable ? "ok \(upstream.milliseconds ?? 0) ms" : "UNREACHABLE", upstream.url)
        }
        lines.append(upstreams.isEmpty ? "  no environments configured" : upstreams.render(indent: 2))
        for upstream in status.upstreams where !upstream.reachable {
            lines.append("  \(upstream.environment)/\(upstream.service): \(upstream.error ?? "")")
        }
        lines.append("")
        lines.append("Quota (queue depth \(status.quota.queueDepth))")
        lines += QuotaShowCommand.table(status.quota).map { "  " + $0 }
        lines.append("")
        let audit = status.audit
        lines.append("Audit  \(audit.length) records, head \(audit.headHash)"
                     + (audit.writable ? "" : " — NOT WRITABLE: \(audit.failure ?? "")"))
        return lines.joined(separator: "\n")
    }
}
