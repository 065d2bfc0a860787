import Synchronization

/// The identities the running gateway acts as. Admin changes (identity add/remove, reload) swap
/// entries here without a restart; each identity's token manager runs its refresh loop while it
/// is registered.
public final class IdentityRegistry: Sendable {
    private struct Entry {
        let identity: GatewayIdentity
        let refreshLoop: Task<Void, Never>
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// The identity called `name`, if registered.
    public func identity(named name: String) -> GatewayIdentity? {
        entries.withLock { $0[name]?.identity }
    }

    /// All identities, by name.
    public var all: [GatewayIdentity] {
        entries.withLock { $0.values.map(\.identity) }.sorted { $0.name < $1.name }
    }

    /// Adds or replaces an identity and starts its refresh loop (stopping the old one).
    public func register(_ identity: GatewayIdentity) {
        let loop = Task { await identity.tokens.run() }
        let previous = entries.withLock { entries in
            defer { entries[identity.name] = Entry(identity: identity, refreshLoop: loop) }
            return entries[identity.name]
        }
        previous?.refreshLoop.cancel()
    }

    /// Removes an identity and stops its refresh loop.
    public func remove(named name: String) {
        entries.withLock { $0.removeValue(forKey: name) }?.refreshLoop.cancel()
    }

    /// Stops every refresh loop (shutdown).
    public func stopAll() {
        for entry in entries.withLock({ $0.values }) { entry.refreshLoop.cancel() }
    }
}
