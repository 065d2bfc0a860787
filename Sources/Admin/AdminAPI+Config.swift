import Config
import Foundation

extension AdminAPI {
    /// Validates the daemon's own configuration file as it is on disk now.
    func configCheck() -> ConfigCheckReport {
        ConfigurationReview.check(path: configurationPath, running: service.configuration).report
    }

    /// Validates the configuration file, then applies what can change without dropping a
    /// connection: identities are re-read from the store (new ones start, removed ones stop,
    /// unchanged ones keep their token), waiting token managers are woken, and a failed audit
    /// log is retried. A file with problems changes nothing.
    ///
    /// systemd hears RELOADING=1 … READY=1 around every reload, refused or not: after its SIGHUP
    /// (`Type=notify-reload`) it waits for that READY=1, and STATUS= shows the outcome.
    func reload() async throws -> AdminRoute.Outcome {
        try? notifier.reloading(status: "reloading \(configurationPath)")
        var outcome = "reload refused, running configuration unchanged: internal"
        defer { try? notifier.ready(status: outcome) }
        let (report, configuration) = ConfigurationReview.check(path: configurationPath, running: service.configuration)
        guard configuration != nil else {
            outcome = "reload refused, running configuration unchanged: config_invalid"
            let noun = report.issues.count == 1 ? "problem" : "problems"
            throw AdminAPIError(.unprocessableEntity, code: "config_invalid",
                                "\(configurationPath) has \(report.issues.count) \(noun); nothing was changed: "
                                    + report.issues.map(\.description).joined(separator: "; "),
                                issues: report.issues)
        }
        var applied: [String] = []
        try service.reloadIdentities()
        applied.append("identities re-read from the store")
        await service.wakeTokenManagers()
        applied.append("token managers woken")
        if !service.auditor.isHealthy, service.auditor.recheck() { applied.append("audit log writable again") }
        let restart = report.restartRequired
        outcome = "reloaded; \(service.identities.all.count) identities"
        return .init(response: .json(ReloadReport(path: configurationPath, applied: applied, restartRequired: restart,
                                                  identities: service.identities.all.count)),
                     detail: ["restart_required": restart.joined(separator: ",")])
    }

    /// SIGHUP: the same reload, logged and audited with the signal as the actor.
    func reloadOnHangup() async {
        var detail = ["action": "reload"]
        do {
            let outcome = try await reload()
            detail.merge(outcome.detail) { $1 }
            detail["outcome"] = "ok"
            logger.notice("reloaded \(configurationPath) on SIGHUP")
        } catch {
            let failure = error as? AdminAPIError
            detail["outcome"] = "failed"
            detail["code"] = failure?.body.code ?? "internal"
            logger.error("reload on SIGHUP refused: \(failure?.body.message ?? "\(error)")")
        }
        try? service.auditor.record(kind: .admin, actor: "signal SIGHUP", subject: "reload", detail: detail)
    }
}
