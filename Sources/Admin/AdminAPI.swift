import Config
import Foundation
import Gateway
import Logging
import NIOHTTP1
import Store
import Systemd
import Token

/// The admin API behind `gosgatectl`: routes, tiers, and one audit record per mutating call.
///
/// Transport-independent: `AdminServer` feeds it requests from the Unix socket with the caller's
/// `SO_PEERCRED`; tests may call `respond(to:)` directly.
public final class AdminAPI: Sendable {
    let service: GatewayService
    /// The file `reload` and `config check` read (gosgated's `--config`).
    let configurationPath: String
    let policy: AdminAccessPolicy
    let startedAt: Date
    let notifier: ServiceNotifier
    let logger: Logger

    /// - Parameters:
    ///   - configurationPath: the file the daemon was started with; `reload` re-reads it.
    ///   - startedAt: when the daemon started (for uptime).
    ///   - notifier: told RELOADING=1 … READY=1 around a reload.
    public init(service: GatewayService, configurationPath: String, policy: AdminAccessPolicy,
                startedAt: Date = Date(), notifier: ServiceNotifier = ServiceNotifier(), logger: Logger) {
        self.service = service
        self.configurationPath = configurationPath
        self.policy = policy
        self.startedAt = startedAt
        self.notifier = notifier
        self.logger = logger
    }

    /// Answers one call: finds the route, checks the tier, runs it, audits it when it changes anything.
    public func respond(to request: AdminRequest) async -> AdminResponse {
        let tier = policy.tier(of: request.peer)
        guard request.segments.first == "v1" else {
            return .failure(AdminAPIError(.notFound, code: "not_found",
                                          "unknown path; the admin API lives under /v1 (try GET /v1/status)"))
        }
        var allowedMethods: [String] = []
        for route in Self.routes {
            guard let parameters = route.pattern.bind(request.segments) else { continue }
            guard route.method == request.method else {
                allowedMethods.append(route.method.rawValue)
                continue
            }
            return await run(route, AdminRoute.Call(request: request, parameters: parameters, tier: tier))
        }
        if !allowedMethods.isEmpty {
            return .failure(AdminAPIError(.methodNotAllowed, code: "method_not_allowed",
                                          "use \(allowedMethods.joined(separator: " or ")) on this path"))
        }
        return .failure(AdminAPIError(.notFound, code: "not_found", "no such endpoint; see docs/operations.md for the API"))
    }

    private func run(_ route: AdminRoute, _ call: AdminRoute.Call) async -> AdminResponse {
        let target = call.parameters["name"] ?? ""
        guard call.tier >= route.tier else {
            let refusal = AdminAPIError.forbidden(route.action, needs: route.tier, has: call.tier)
            if route.mutating { audit(route, call, target: target, detail: ["outcome": "denied", "code": refusal.body.code]) }
            return .failure(refusal)
        }
        if route.mutating, !service.auditor.isHealthy, !service.auditor.recheck() {
            return .failure(AdminAPIError(.serviceUnavailable, code: "audit_unavailable",
                "the audit log does not accept writes (\(service.auditor.failure ?? "unknown")); no change is made until it does"))
        }
        do {
            var outcome = try await route.handle(self, call)
            if route.mutating {
                outcome.detail["outcome"] = "ok"
                audit(route, call, target: outcome.target.isEmpty ? target : outcome.target, detail: outcome.detail)
            }
            return outcome.response
        } catch {
            let failure: AdminAPIError
            switch error {
            case let error as AdminAPIError: failure = error
            case let error as StoreError: failure = AdminAPIError(error)
            case let error as TokenError: failure = AdminAPIError(error)
            default: failure = AdminAPIError(.internalServerError, code: "internal", "the call failed: \(error)")
            }
            if route.mutating {
                audit(route, call, target: target, detail: ["outcome": "failed", "code": failure.body.code])
            }
            if failure.status == .internalServerError {
                logger.error("admin call \(route.action) failed: \(failure.body.message)")
            }
            return .failure(failure)
        }
    }

    private func audit(_ route: AdminRoute, _ call: AdminRoute.Call, target: String, detail: [String: String]) {
        var detail = detail
        detail["action"] = route.action
        detail["tier"] = call.tier.rawValue
        let subject = target.isEmpty ? route.action : "\(route.action) \(target)"
        do {
            try service.auditor.record(kind: .admin, actor: call.request.peer.description, subject: subject, detail: detail)
        } catch {
            logger.error("admin call \(route.action) by \(call.request.peer) not audited: \(error)")
        }
        logger.notice("admin \(subject) by \(call.request.peer) (\(call.tier)): \(detail["outcome"] ?? "")")
    }

    /// Every endpoint. Reads are open to viewers; the tiers follow docs/operations.md.
    private static let routes: [AdminRoute] = [
        AdminRoute(.GET, "/v1/peer", "peer", tier: .viewer) { api, call in .init(response: .json(api.peerReport(call))) },
        AdminRoute(.GET, "/v1/status", "status", tier: .viewer) { api, _ in .init(response: .json(await api.statusReport())) },

        AdminRoute(.GET, "/v1/token", "token.status", tier: .viewer) { api, _ in
            .init(response: .json(await api.tokenReport(probe: true)))
        },
        AdminRoute(.POST, "/v1/token/login", "token.login", tier: .operator, mutating: true) { api, call in try await api.tokenLogin(call) },
        AdminRoute(.POST, "/v1/token/logout", "token.logout", tier: .operator, mutating: true) { api, _ in await api.tokenLogout() },

        AdminRoute(.GET, "/v1/identities", "identity.list", tier: .viewer) { api, _ in try await api.identityList() },
        AdminRoute(.POST, "/v1/identities", "identity.add", tier: .admin, mutating: true) { api, call in try await api.identityAdd(call) },
        AdminRoute(.GET, "/v1/identities/{name}", "identity.show", tier: .viewer) { api, call in try await api.identityShow(call) },
        AdminRoute(.DELETE, "/v1/identities/{name}", "identity.remove", tier: .admin, mutating: true) { api, call in
            try api.identityRemove(call)
        },
        AdminRoute(.POST, "/v1/identities/{name}/test", "identity.test", tier: .operator, mutating: true) { api, call in
            try await api.identityTest(call)
        },

        AdminRoute(.GET, "/v1/clients", "client.list", tier: .viewer) { api, _ in try api.clientList() },
        AdminRoute(.POST, "/v1/clients", "client.add", tier: .admin, mutating: true) { api, call in try api.clientAdd(call) },
        AdminRoute(.GET, "/v1/clients/{name}", "client.show", tier: .viewer) { api, call in try api.clientShow(call) },
        AdminRoute(.POST, "/v1/clients/{name}/revoke", "client.revoke", tier: .admin, mutating: true) { api, call in
            try api.clientRevoke(call)
        },
        AdminRoute(.POST, "/v1/clients/{name}/rotate", "client.rotate", tier: .operator, mutating: true) { api, call in
            try api.clientRotate(call)
        },

        AdminRoute(.GET, "/v1/quota", "quota.show", tier: .viewer) { api, _ in .init(response: .json(await api.quotaReport())) },

        AdminRoute(.GET, "/v1/audit", "audit.tail", tier: .viewer) { api, call in try await api.auditTail(call) },
        AdminRoute(.GET, "/v1/audit/verify", "audit.verify", tier: .viewer) { api, _ in try api.auditVerify() },
        AdminRoute(.GET, "/v1/audit/export", "audit.export", tier: .viewer) { api, call in try api.auditExport(call) },

        AdminRoute(.GET, "/v1/config/check", "config.check", tier: .viewer) { api, _ in .init(response: .json(api.configCheck())) },
        AdminRoute(.POST, "/v1/reload", "reload", tier: .operator, mutating: true) { api, _ in try await api.reload() },
    ]
}
