import Foundation
import Gateway
import Store

extension AdminAPI {
    func clientList() throws -> AdminRoute.Outcome {
        let clients = try service.store.clients()
        let names = try service.store.identityNames()
        return .init(response: .json(ClientList(clients: clients.map { clientInfo($0, identityNames: names) })))
    }

    func clientShow(_ call: AdminRoute.Call) throws -> AdminRoute.Outcome {
        .init(response: .json(try clientInfo(named: call.parameter("name"))))
    }

    /// Creates a client; its key is in this answer and nowhere else, ever.
    func clientAdd(_ call: AdminRoute.Call) throws -> AdminRoute.Outcome {
        let spec = try call.request.decode(ClientSpec.self)
        let routes = spec.allowedRoutes ?? ["*"]
        let known = Set(EPGURoute.all.map(\.name))
        if let unknown = routes.first(where: { $0 != "*" && !known.contains($0) }) {
            throw AdminAPIError(.unprocessableEntity, code: "invalid_value",
                                "route \"\(unknown)\" is unknown; use * or some of: \(known.sorted().joined(separator: ", "))")
        }
        let blocks = spec.ipAllow ?? []
        if let bad = blocks.first(where: { !GatewayService.isValidAddressBlock($0) }) {
            throw AdminAPIError(.unprocessableEntity, code: "invalid_value",
                                "\"\(bad)\" is not an address block; write 10.1.2.0/24, 192.0.2.7 or fd00::/8")
        }
        let permissions = GatewayStore.ClientPermissions(
            defaultIdentity: spec.defaultIdentity, allowedIdentities: spec.allowedIdentities ?? [], allowedRoutes: routes,
            ipAllow: blocks, ratePerMinute: spec.ratePerMinute)
        let (client, key) = try service.store.addClient(name: spec.name, permissions: permissions)
        let info = try clientInfo(client)
        return .init(response: .json(ClientKeyIssued(client: info, key: key.text), status: .created), target: client.name,
                     detail: ["key_id": client.keyID, "default_identity": spec.defaultIdentity ?? "",
                              "routes": routes.joined(separator: ",")])
    }

    /// Revokes a client's key at once; the row stays for the audit trail.
    func clientRevoke(_ call: AdminRoute.Call) throws -> AdminRoute.Outcome {
        let name = call.parameter("name")
        try service.store.revokeClient(named: name)
        return .init(response: .json(ActionReport(ok: true, message: "client \(name) revoked; its key is refused from now on")))
    }

    /// Issues a new key; the old one is refused from this moment.
    func clientRotate(_ call: AdminRoute.Call) throws -> AdminRoute.Outcome {
        let name = call.parameter("name")
        let previous = try clientInfo(named: name).keyId
        let (client, key) = try service.store.rotateClient(named: name)
        return .init(response: .json(ClientKeyIssued(client: try clientInfo(client), key: key.text)),
                     detail: ["previous_key_id": previous, "key_id": client.keyID])
    }

    private func clientInfo(named name: String) throws -> ClientInfo {
        guard let client = try service.store.client(named: name) else {
            throw AdminAPIError(StoreError.notFound(kind: "client", name: name))
        }
        return try clientInfo(client)
    }

    private func clientInfo(_ client: InternalClient) throws -> ClientInfo {
        clientInfo(client, identityNames: try service.store.identityNames())
    }

    private func clientInfo(_ client: InternalClient, identityNames: [Int64: String]) -> ClientInfo {
        ClientInfo(name: client.name, keyId: client.keyID, defaultIdentity: client.defaultIdentityID.flatMap { identityNames[$0] },
                   allowedIdentities: client.allowedIdentityNames, allowedRoutes: client.allowedRouteNames,
                   ipAllow: client.allowedAddressBlocks, ratePerMinute: client.ratePerMinute, createdAt: client.createdAt,
                   revokedAt: client.revokedAt, revoked: client.isRevoked)
    }
}
