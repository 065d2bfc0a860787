import Foundation
import TestSupport
import Testing
@testable import Token

/// Many callers, one card: serialisation, removal mid-signature, deadlines, and the PIN never in logs.
@Suite(.serialized) struct ConcurrencyRigTests {
    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func parallelSignaturesAllSucceedOneAtATime(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run(PCSCRig.CardOptions(signDelayMilliseconds: 50)) { rig in
            let signer = try await RigPeers.signer(kind, rig)
            let digests = try (0..<8).map { _ in try RigPeers.opensslDigest(RigPeers.randomPayload()) }
            let signatures = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
                for (index, digest) in digests.enumerated() {
                    group.addTask { (index, try await signer.sign(digest: digest)) }
                }
                return try await group.reduce(into: [Int: Data]()) { $0[$1.0] = $1.1 }
            }
            for (index, digest) in digests.enumerated() {
                #expect(try RigPeers.opensslVerifies(signature: signatures[index] ?? Data(), digest: digest,
                                                     certificate: rig.certificatePath, in: rig.directory))
            }
            #expect(try rig.cardStatus().signatures == 8)
            // One at a time: on the card every MSE:SET is followed by its own PSO:CDS, never by another
            // caller's MSE:SET.
            let operations = rig.cardLogText.split(separator: "\n").compactMap { line -> String? in
                if line.contains("APDU MSE:SET") { return "MSE" }
                if line.contains("APDU PSO:CDS") { return "PSO" }
                return nil
            }
            #expect(operations == Array(repeating: ["MSE", "PSO"], count: 8).flatMap { $0 })
            #expect(RigPeers.pinAttempts(rig) == 1)
            await signer.shutdown()
        }
    }

    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func cardPulledMidSignatureFailsOnlyThatRequest(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run { rig in
            let signer = try await RigPeers.signer(kind, rig, deadline: .seconds(20))
            let digest = try RigPeers.opensslDigest(RigPeers.randomPayload())
            _ = try await signer.sign(digest: digest)
            try rig.control("slow 3000")
            let first = Task { try await signer.sign(digest: digest, deadline: .now + .seconds(20)) }
            // Wait until the card is busy with the first signature, then queue a second one.
            let busyDeadline = ContinuousClock.now + .seconds(10)
            while rig.cardLogText.components(separatedBy: "APDU PSO:CDS").count < 3, ContinuousClock.now < busyDeadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let second = Task { try await signer.sign(digest: digest, deadline: .now + .seconds(20)) }
            try await Task.sleep(for: .milliseconds(100))
            try rig.control("remove")
            try rig.control("slow 0")
            try await rig.waitForCard(present: false)
            try rig.control("insert")

            let firstResult = await first.result
            switch firstResult {
            case .failure(TokenError.tokenRemoved):
                break
            default:
                Issue.record("the interrupted request should fail with tokenRemoved, got \(firstResult)")
            }
            let secondSignature = try await second.value
            #expect(try RigPeers.opensslVerifies(signature: secondSignature, digest: digest,
                                                 certificate: rig.certificatePath, in: rig.directory))
            #expect(RigPeers.pinAttempts(rig) == 2, "one login before the pull, one after the re-insertion")
            await signer.shutdown()
        }
    }

    @Test func aCallerThatCannotWaitLongerGetsQueueTimeout() async throws {
        try await PCSCRig.run(PCSCRig.CardOptions(signDelayMilliseconds: 1500)) { rig in
            let signer = try await RigPeers.signer(.pcsc, rig)
            let digest = try RigPeers.opensslDigest(RigPeers.randomPayload())
            let slow = Task { try await signer.sign(digest: digest) }
            try await Task.sleep(for: .milliseconds(200))
            do throws(TokenError) {
                _ = try await signer.sign(digest: digest, deadline: .now + .milliseconds(200))
                Issue.record("a request with a short deadline behind a slow signature succeeded")
            } catch .queueTimeout {
            } catch {
                Issue.record("expected queueTimeout, got \(error)")
            }
            _ = try await slow.value
            #expect(try rig.cardStatus().signatures == 1, "the timed-out request never reached the card")
            await signer.shutdown()
        }
    }

    @Test func absentTokenIsWaitedForUntilTheDeadline() async throws {
        try await PCSCRig.run { rig in
            let signer = try await RigPeers.signer(.pcsc, rig)
            try await rig.removeCard()
            await #expect(throws: TokenError.self) {
                _ = try await signer.sign(digest: Data(count: 32), deadline: .now + .milliseconds(500))
            }
            let waiting = Task { try await signer.sign(digest: Data(count: 32), deadline: .now + .seconds(15)) }
            try await Task.sleep(for: .milliseconds(300))
            try await rig.insertCard()
            _ = try await waiting.value
            await signer.shutdown()
        }
    }

    /// Runs the flows that touch the PIN (wrong PIN, right PIN, re-insertion, both drivers) with every
    /// log captured, then searches all of it for the PINs in text and hex.
    @Test func pinNeverAppearsInAnyLog() async throws {
        let log = CapturedLog()
        let right = "48151623", wrong = "90210777"
        let captured = try await PCSCRig.run(PCSCRig.CardOptions(pin: right)) { rig in
            let monitor = PresenceMonitor(logger: log.logger("gosgate.token.presence"))
            monitor.start()
            defer { monitor.stop() }
            for kind in [TokenDriverKind.pcsc, .pkcs11] {
                let signer = try await RigPeers.signer(kind, rig, pin: wrong, log: log)
                let following = signer.follow(monitor)
                _ = try? await signer.sign(digest: Data(count: 32), deadline: .now + .seconds(10))
                try await signer.login(pin: TokenPIN(right))
                _ = try await signer.sign(digest: Data(count: 32))
                try await rig.removeCard()
                try await rig.insertCard()
                _ = try await signer.sign(digest: Data(count: 32))
                _ = try await signer.refreshStatus()
                await signer.logout()
                await signer.shutdown()
                following.cancel()
            }
            return rig.capturedLogs
        }
        let everything = log.text + "\n" + captured
        #expect(!log.text.isEmpty)
        for pin in [right, wrong] {
            let hex = Data(pin.utf8).hexLowercase
            for needle in [pin, hex, hex.uppercased()] {
                #expect(!everything.contains(needle), "\(needle) appears in the logs")
            }
        }
    }
}
