import Foundation
import Gateway
import Store

extension AdminAPI {
    func identityList() async throws -> AdminRoute.Outcome {
        let stored = try service.store.identities()
        var infos: [IdentityInfo] = []
        for identity in stored { infos.append(await identityInfo(identity)) }
        return .init(response: .json(IdentityList(identities: infos)))
    }

    func identityShow(_ call: AdminRoute.Call) async throws -> AdminRoute.Outcome {
        let name = call.parameter("name")
        guard let identity = try service.store.identity(named: name) else {
            throw AdminAPIError(StoreError.notFound(kind: "identity", name: name))
        }
        return .init(response: .json(await identityInfo(identity)))
    }

    /// Stores a new identity and starts its token manager.
    func identityAdd(_ call: AdminRoute.Call) async throws -> AdminRoute.Outcome {
        let spec = try call.request.decode(IdentitySpec.self)
        guard let flow = Identity.Flow(rawValue: spec.flow) else {
            throw AdminAPIError(.unprocessableEntity, code: "invalid_value",
                                "flow \"\(spec.flow)\" is unknown; use api_key or oauth")
        }
        let environments = service.configuration.environments.keys.sorted()
        guard environments.contains(spec.environment) else {
            throw AdminAPIError(.unprocessableEntity, code: "environment_unknown",
                                "environment \"\(spec.environment)\" is not configured; use one of: \(environments.joined(separator: ", "))")
        }
        if flow == .oauth, (spec.clientId ?? "").isEmpty {
            throw AdminAPIError(.unprocessableEntity, code: "invalid_value",
                                "the oauth flow needs the system's client_id (its ESIA mnemonic)")
        }
        let identity = Identity(name: spec.name, environment: spec.environment, flow: flow, apiKey: spec.apiKey,
                                clientID: spec.clientId, scopes: spec.scopes ?? "", signer: spec.signer ?? "default")
        let stored = try service.store.addIdentity(identity)
        try service.reloadIdentities()
        return .init(response: .json(await identityInfo(stored), status: .created), target: stored.name,
                     detail: ["environment": stored.environment, "flow": stored.flow.rawValue])
    }

    /// Removes an identity and stops its token manager.
    func identityRemove(_ call: AdminRoute.Call) throws -> AdminRoute.Outcome {
        let name = call.parameter("name")
        try service.store.removeIdentity(named: name)
        try service.reloadIdentities()
        return .init(response: .json(ActionReport(ok: true, message: "identity \(name) removed; its token manager stopped")))
    }

    /// Obtains a token now and reports each step.
    func identityTest(_ call: AdminRoute.Call) async throws -> AdminRoute.Outcome {
        let name = call.parameter("name")
        let steps = try await service.testIdentity(named: name)
        let report = IdentityTestReport(identity: name, ok: steps.allSatisfy { $0.ok }, steps: steps.map {
            IdentityTestReport.Step(name: $0.name, ok: $0.ok, code: $0.code, detail: $0.detail,
                                    milliseconds: Int($0.duration / .milliseconds(1)))
        })
        var detail = ["ok": String(report.ok)]
        if let failed = steps.first(where: { !$0.ok }) { detail["failed_step"] = failed.name; detail["code"] = failed.code }
        return .init(response: .json(report), detail: detail)
    }

    func identityInfo(_ identity: Identity) async -> IdentityInfo {
        let token = service.identities.identity(named: identity.name) == nil
            ? nil : await identityTokenReport(name: identity.name, environment: identity.environment)
        return IdentityInfo(
            name: identity.name, environment: identity.environment, flow: identity.flow.rawValue,
            apiKey: identity.maskedAPIKey, clientId: identity.clientID, scopes: identity.scopes, signer: identity.signer,
            createdAt: identity.createdAt, updatedAt: identity.updatedAt, token: token)
    }

}
