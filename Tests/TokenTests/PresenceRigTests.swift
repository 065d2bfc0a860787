import Foundation
import TestSupport
import Testing
@testable import Token

/// The presence monitor against real pcscd: card events, and a pcscd restart.
@Suite(.serialized) struct PresenceRigTests {
    /// Collects a monitor's events so a test can wait for one.
    final class EventCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [(PresenceEvent, ContinuousClock.Instant)] = []
        private var task: Task<Void, Never>?

        init(_ monitor: PresenceMonitor) {
            let stream = monitor.events()
            task = Task { [weak self] in
                for await event in stream { self?.record(event) }
            }
        }

        deinit { task?.cancel() }

        private func record(_ event: PresenceEvent) {
            lock.withLock { events.append((event, .now)) }
        }

        var all: [PresenceEvent] { lock.withLock { events.map(\.0) } }

        /// Waits for an event matching `predicate` that arrived after `since`; returns when it arrived.
        func wait(for description: String, since: ContinuousClock.Instant, timeout: Duration = .seconds(10),
                  _ predicate: (PresenceEvent) -> Bool) async throws -> ContinuousClock.Instant {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let hit = lock.withLock({ events.first { $0.1 >= since && predicate($0.0) } }) { return hit.1 }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw PeerFailure("no \(description) event within \(timeout); got \(all)")
        }
    }

    private func waitForSnapshot(_ monitor: PresenceMonitor, cardPresent: Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let reader = monitor.snapshot.readers.first { $0.name == PCSCRig.readerName }
            if reader?.cardPresent == cardPresent { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PeerFailure("snapshot never showed the card \(cardPresent ? "present" : "absent"): \(monitor.snapshot)")
    }

    @Test func insertionAndRemovalArriveWithinASecond() async throws {
        try await PCSCRig.run { rig in
            let log = CapturedLog()
            let monitor = PresenceMonitor(logger: log.logger())
            let events = EventCollector(monitor)
            monitor.start()
            defer { monitor.stop() }
            try await waitForSnapshot(monitor, cardPresent: true)
            let snapshotReader = monitor.snapshot.readers.first { $0.name == PCSCRig.readerName }
            #expect(snapshotReader?.cardName == "Rutoken ECP")

            for _ in 0..<2 {
                let pulled = ContinuousClock.now
                try rig.control("remove")
                let removedAt = try await events.wait(for: "card removed", since: pulled) {
                    $0 == .cardRemoved(reader: PCSCRig.readerName)
                }
                #expect(removedAt - pulled < .seconds(1), "removal reported after \(removedAt - pulled)")
                #expect(monitor.snapshot.readers.first { $0.name == PCSCRig.readerName }?.cardPresent == false)

                let inserted = ContinuousClock.now
                try rig.control("insert")
                let insertedAt = try await events.wait(for: "card inserted", since: inserted) {
                    if case .cardInserted(PCSCRig.readerName, _) = $0 { return true }
                    return false
                }
                #expect(insertedAt - inserted < .seconds(1), "insertion reported after \(insertedAt - inserted)")
            }
            // The independent peer agrees with the monitor.
            try await rig.waitForCard(present: true)
        }
    }

    @Test func monitorAndDriversSurviveAPCSCDRestart() async throws {
        try await PCSCRig.run { rig in
            guard rig.ownsPCSCD else {
                try Test.cancel("a system pcscd is running; the rig does not restart processes it did not start")
            }
            let monitor = PresenceMonitor(reconnectBackoff: .milliseconds(50)...(.milliseconds(400)))
            let events = EventCollector(monitor)
            monitor.start()
            defer { monitor.stop() }
            try await waitForSnapshot(monitor, cardPresent: true)
            // Signers follow the monitor, as the daemon wires them: a lost pcscd drops their sessions.
            let pcsc = try await RigPeers.signer(.pcsc, rig)
            let pkcs11 = try await RigPeers.signer(.pkcs11, rig)
            let following = [pcsc.follow(monitor), pkcs11.follow(monitor)]
            defer { following.forEach { $0.cancel() } }
            let digest = try RigPeers.opensslDigest(RigPeers.randomPayload())
            _ = try await pcsc.sign(digest: digest)
            _ = try await pkcs11.sign(digest: digest)

            let restarted = ContinuousClock.now
            try await rig.restartPCSCD()
            _ = try await events.wait(for: "service lost", since: restarted) {
                if case .serviceLost = $0 { return true }
                return false
            }
            _ = try await events.wait(for: "reader removed", since: restarted) { $0 == .readerRemoved(PCSCRig.readerName) }
            _ = try await events.wait(for: "service available", since: restarted) { $0 == .serviceAvailable }
            _ = try await events.wait(for: "reader attached", since: restarted) { $0 == .readerAttached(PCSCRig.readerName) }
            _ = try await events.wait(for: "card inserted after restart", since: restarted) {
                if case .cardInserted(PCSCRig.readerName, _) = $0 { return true }
                return false
            }
            try await waitForSnapshot(monitor, cardPresent: true)
            #expect(monitor.snapshot.serviceAvailable)
            for signer in [pcsc, pkcs11] {
                let dropped = ContinuousClock.now + .seconds(5)
                while signer.currentStatus.present, ContinuousClock.now < dropped {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(!signer.currentStatus.present, "\(signer.driverKind) noticed pcscd going away")
            }

            // Both drivers reconnect and log in again with the PIN the card accepted before.
            for signer in [pcsc, pkcs11] {
                let signature = try await signer.sign(digest: digest)
                #expect(try RigPeers.opensslVerifies(signature: signature, digest: digest,
                                                     certificate: rig.certificatePath, in: rig.directory),
                        "\(signer.driverKind)")
                await signer.shutdown()
            }
        }
    }
}
