import Foundation
import GOST
import Store
import Synchronization

/// Authenticates internal clients from memory. The first call with a key reads the store (which
/// checks the key against its stored hash in constant time); after that the key's policy is served
/// from here, keyed by the key's Streebog digest (the key itself is not kept). Any change to
/// clients or identities made through the store — add, rotate, revoke — empties the cache, so a
/// revoked key is refused from the next call on.
final class ClientDirectory: Sendable {
    private struct Cache {
        var generation: UInt64
        var policies: [Data: ClientPolicy] = [:]
    }

    private let store: GatewayStore
    private let cache: Mutex<Cache>

    init(store: GatewayStore) {
        self.store = store
        cache = Mutex(Cache(generation: store.directoryGeneration))
    }

    /// The policy of the client presenting `key`, or nil for a missing, unknown or revoked key.
    func policy(presentedKey key: String) throws(StoreError) -> ClientPolicy? {
        guard let digest = try? Streebog.hash256(Data(key.utf8)) else {
            return try Self.load(key, from: store)
        }
        let generation = store.directoryGeneration
        let cached = cache.withLock { cache -> ClientPolicy? in
            if cache.generation != generation { cache = Cache(generation: generation) }
            return cache.policies[digest]
        }
        if let cached { return cached }
        guard let policy = try Self.load(key, from: store) else { return nil }
        cache.withLock { cache in
            // A change that landed during the read wins: only a read from the current generation is kept.
            if cache.generation == generation { cache.policies[digest] = policy }
        }
        return policy
    }

    private static func load(_ key: String, from store: GatewayStore) throws(StoreError) -> ClientPolicy? {
        guard let client = try store.authenticateClient(presentedKey: key) else { return nil }
        var defaultIdentity: String?
        if let id = client.defaultIdentityID { defaultIdentity = try store.identity(id: id)?.name }
        return ClientPolicy(client: client, defaultIdentity: defaultIdentity)
    }
}
