import Foundation
import GRDB

extension GatewayStore {
    /// What a new internal client may do. Identity names must exist; routes are EPGU route names
    /// or `*`; address blocks are CIDR text (the admin layer checks their syntax).
    public struct ClientPermissions: Sendable, Equatable {
        public var defaultIdentity: String?
        /// Identities the client may pick per request besides its default.
        public var allowedIdentities: [String]
        public var allowedRoutes: [String]
        /// CIDR blocks the client may call from; empty means any address.
        public var ipAllow: [String]
        /// Calls per minute this client may make; nil for no per-client limit.
        public var ratePerMinute: Int?

        public init(defaultIdentity: String? = nil, allowedIdentities: [String] = [], allowedRoutes: [String] = ["*"],
                    ipAllow: [String] = [], ratePerMinute: Int? = nil) {
            self.defaultIdentity = defaultIdentity
            self.allowedIdentities = allowedIdentities
            self.allowedRoutes = allowedRoutes
            self.ipAllow = ipAllow
            self.ratePerMinute = ratePerMinute
        }
    }

    /// The client called `name`, revoked or not.
    public func client(named name: String) throws(StoreError) -> InternalClient? {
        try read { db in try InternalClient.filter(Column("name") == name).fetchOne(db) }
    }

    /// Identity names by row id, for showing a client's default identity.
    public func identityNames() throws(StoreError) -> [Int64: String] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try Identity.fetchAll(db).compactMap { identity in
                identity.id.map { ($0, identity.name) }
            })
        }
    }

    /// Creates a client with all its permissions in one transaction and returns its key, which is
    /// never retrievable again.
    public func addClient(name: String, permissions: ClientPermissions,
                          now: Date = Date()) throws(StoreError) -> (client: InternalClient, key: GatewayKey) {
        guard !name.isEmpty else { throw .invalidValue("a client needs a name") }
        guard !permissions.allowedRoutes.isEmpty else {
            throw .invalidValue("a client needs at least one allowed route (or `*` for all)")
        }
        if let rate = permissions.ratePerMinute, rate <= 0 {
            throw .invalidValue("the per-minute rate must be a positive number (leave it out for no limit)")
        }
        let key = GatewayKey.generate()
        let hash: Data
        do { hash = try key.hash() } catch { throw .writeFailed("cannot hash the new key: \(error)") }
        let client = try writeDirectory { db in
            var identityID: Int64?
            if let defaultIdentity = permissions.defaultIdentity {
                identityID = try Self.existingIdentity(defaultIdentity, db).id
            }
            for other in permissions.allowedIdentities { _ = try Self.existingIdentity(other, db) }
            let record = InternalClient(
                id: nil, name: name, keyID: key.keyID, keyHash: hash, defaultIdentityID: identityID,
                allowedIdentities: try Self.jsonArray(permissions.allowedIdentities),
                allowedRoutes: try Self.jsonArray(permissions.allowedRoutes),
                ipAllow: try Self.jsonArray(permissions.ipAllow), ratePerMinute: permissions.ratePerMinute,
                createdAt: now, revokedAt: nil)
            do {
                try record.insert(db)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicate(kind: "client", name: name)
            }
            return record
        }
        return (client, key)
    }

    /// Gives an active client a new key; the old key stops working at once.
    public func rotateClient(named name: String) throws(StoreError) -> (client: InternalClient, key: GatewayKey) {
        let key = GatewayKey.generate()
        let hash: Data
        do { hash = try key.hash() } catch { throw .writeFailed("cannot hash the new key: \(error)") }
        let client = try writeDirectory { db in
            guard var client = try InternalClient.filter(Column("name") == name).fetchOne(db) else {
                throw StoreError.notFound(kind: "client", name: name)
            }
            guard !client.isRevoked else {
                throw StoreError.invalidValue("client \"\(name)\" is revoked; add a new client instead of rotating it")
            }
            client.keyID = key.keyID
            client.keyHash = hash
            try client.update(db)
            return client
        }
        return (client, key)
    }

    private static func existingIdentity(_ name: String, _ db: Database) throws -> Identity {
        guard let identity = try Identity.filter(Column("name") == name).fetchOne(db) else {
            throw StoreError.notFound(kind: "identity", name: name)
        }
        return identity
    }

    private static func jsonArray(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }
}

extension InternalClient {
    /// `allowedRoutes` decoded.
    public var allowedRouteNames: [String] { Self.strings(allowedRoutes) }
    /// `allowedIdentities` decoded.
    public var allowedIdentityNames: [String] { Self.strings(allowedIdentities) }
    /// `ipAllow` decoded.
    public var allowedAddressBlocks: [String] { Self.strings(ipAllow) }

    private static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}
