import ESIA
import Foundation
import Token

/// What `GatewayService` does with the signer's presence monitor: a card inserted wakes the token
/// manager. Also notes when the insertion event reached us, to tell pcscd's detection time apart.
actor InsertionWakeUp {
    private var manager: TokenManager?
    private var insertedAt: ContinuousClock.Instant?
    private var following: Task<Void, Never>?

    /// Starts following `monitor`'s events.
    func follow(_ monitor: PresenceMonitor) {
        let events = monitor.events()
        following = Task { [weak self] in
            for await event in events {
                if case .cardInserted = event { await self?.cardInserted(at: .now) }
            }
        }
    }

    /// The manager to wake from now on; forgets the last insertion.
    func setManager(_ manager: TokenManager) {
        self.manager = manager
        insertedAt = nil
    }

    /// When the last insertion event arrived, if one did since `setManager(_:)`.
    var lastInsertion: ContinuousClock.Instant? { insertedAt }

    func stop() {
        following?.cancel()
        following = nil
    }

    private func cardInserted(at instant: ContinuousClock.Instant) async {
        insertedAt = instant
        await manager?.wake()
    }
}
