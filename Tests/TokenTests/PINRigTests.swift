import Foundation
import TestSupport
import Testing
@testable import Token

/// The PIN policy against the virtual card's real retry counter, read back with `opensc-tool`.
@Suite(.serialized) struct PINRigTests {
    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func wrongPINCostsExactlyOneAttemptAndIsNeverRetried(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run(PCSCRig.CardOptions(retries: 5)) { rig in
            #expect(try RigPeers.cardPINStatusWord(rig) == "63C5")
            let signer = try await RigPeers.signer(kind, rig, pin: "11112222")
            let digest = try RigPeers.opensslDigest(RigPeers.randomPayload())
            do throws(TokenError) {
                _ = try await signer.sign(digest: digest, deadline: .now + .seconds(10))
                Issue.record("a wrong PIN signed")
            } catch .pinIncorrect(let counter) {
                if kind == .pcsc { #expect(counter == .remaining(4)) }
            } catch {
                Issue.record("expected pinIncorrect, got \(error)")
            }
            #expect(try RigPeers.cardPINStatusWord(rig) == "63C4", "exactly one attempt spent")

            // The driver stopped: more requests do not touch the PIN.
            for _ in 0..<3 {
                await #expect(throws: TokenError.self) {
                    _ = try await signer.sign(digest: digest, deadline: .now + .seconds(10))
                }
            }
            #expect(RigPeers.pinAttempts(rig) == 1)
            #expect(try RigPeers.cardPINStatusWord(rig) == "63C4")
            let status = signer.currentStatus
            #expect(status.pin == .rejected)
            if kind == .pcsc {
                #expect(status.pinCounter == .remaining(4))
                #expect(try await signer.refreshStatus().pinCounter == .remaining(4))
            }

            // A person hands over the right PIN: it works, and the card resets its counter.
            try await signer.login(pin: TokenPIN(rig.options.pin))
            let signature = try await signer.sign(digest: digest)
            #expect(try RigPeers.opensslVerifies(signature: signature, digest: digest,
                                                 certificate: rig.certificatePath, in: rig.directory))
            #expect(try rig.cardStatus().retriesLeft == 5)
            await signer.shutdown()
        }
    }

    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func lockedCardIsReportedAndNeverSentAPIN(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run(PCSCRig.CardOptions(locked: true)) { rig in
            #expect(try RigPeers.cardPINStatusWord(rig) == "6983")
            let signer = try await RigPeers.signer(kind, rig)
            await #expect(throws: TokenError.pinLocked) {
                _ = try await signer.sign(digest: Data(count: 32), deadline: .now + .seconds(10))
            }
            #expect(signer.currentStatus.pin == .locked)
            if kind == .pcsc {
                #expect(try await signer.refreshStatus().pinCounter == .locked)
                #expect(RigPeers.pinAttempts(rig) == 0)
            }
            await signer.shutdown()
        }
    }

    @Test func aPINOfImpossibleLengthIsNeverSent() async throws {
        try await PCSCRig.run { rig in
            // The card's PKCS#15 AODF says 4-32 characters; OpenSC reports that in CK_TOKEN_INFO.
            let signer = try await RigPeers.signer(.pkcs11, rig, pin: "12")
            do throws(TokenError) {
                _ = try await signer.sign(digest: Data(count: 32), deadline: .now + .seconds(10))
                Issue.record("a two-digit PIN signed")
            } catch .pinInvalid {
            } catch {
                Issue.record("expected pinInvalid, got \(error)")
            }
            #expect(RigPeers.pinAttempts(rig) == 0)
            #expect(try rig.cardStatus().retriesLeft == rig.options.retries)
            await signer.shutdown()
        }
    }

    @Test func finalTryIsRefusedUnlessForced() async throws {
        try await PCSCRig.run(PCSCRig.CardOptions(retries: 2)) { rig in
            let signer = try await RigPeers.signer(.pcsc, rig, pin: "11112222")
            await #expect(throws: TokenError.pinIncorrect(.finalTry)) {
                _ = try await signer.sign(digest: Data(count: 32), deadline: .now + .seconds(10))
            }
            await #expect(throws: TokenError.pinFinalTryRefused) {
                try await signer.login(pin: TokenPIN(rig.options.pin))
            }
            #expect(try RigPeers.cardPINStatusWord(rig) == "63C1")
            #expect(RigPeers.pinAttempts(rig) == 1)
            try await signer.login(pin: TokenPIN(rig.options.pin), forceFinalTry: true)
            #expect(try RigPeers.cardPINStatusWord(rig) == "63C2" || rig.cardStatus().retriesLeft == 2)
            _ = try await signer.sign(digest: Data(count: 32))
            await signer.shutdown()
        }
    }

    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func reinsertedTokenIsLoggedInWithTheAcceptedPIN(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run { rig in
            let pin = try TokenPIN(rig.options.pin)
            let signer = try await TokenSigner.open(RigPeers.configuration(kind, rig), pin: pin)
            let digest = try RigPeers.opensslDigest(RigPeers.randomPayload())
            _ = try await signer.sign(digest: digest)
            try await rig.removeCard()
            try await rig.insertCard()
            #expect(try rig.cardStatus().pinVerified == false, "a re-inserted card starts logged out")
            let signature = try await signer.sign(digest: digest)
            #expect(try RigPeers.opensslVerifies(signature: signature, digest: digest,
                                                 certificate: rig.certificatePath, in: rig.directory))
            #expect(RigPeers.pinAttempts(rig) == 2)
            #expect(try rig.cardStatus().retriesLeft == rig.options.retries)
            #expect(!pin.isWiped, "the accepted PIN is held while the signer runs")
            await signer.shutdown()
            #expect(pin.isWiped, "shutdown wipes the PIN")
        }
    }

    @Test func aPINThatWasNeverAcceptedIsNotReusedAfterRemoval() async throws {
        try await PCSCRig.run { rig in
            let monitor = PresenceMonitor()
            monitor.start()
            defer { monitor.stop() }
            // Handed over while the card is out, then the card comes and goes before any use.
            try await rig.removeCard()
            var configuration = RigPeers.pcsc(rig, deadline: .seconds(2))
            configuration.certificateFile = rig.certificatePath
            let signer = try await TokenSigner.open(configuration, pin: TokenPIN(rig.options.pin))
            let following = signer.follow(monitor)
            defer { following.cancel() }
            try await rig.insertCard()
            try await rig.removeCard()
            try await Task.sleep(for: .milliseconds(300))
            #expect(signer.currentStatus.pin == .none, "the untried PIN was wiped on removal")
            try await rig.insertCard()
            await #expect(throws: TokenError.pinRequired) {
                _ = try await signer.sign(digest: Data(count: 32), deadline: .now + .seconds(5))
            }
            #expect(RigPeers.pinAttempts(rig) == 0)
            await signer.shutdown()
        }
    }
}
