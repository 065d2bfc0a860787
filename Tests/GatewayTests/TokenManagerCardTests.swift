import ESIA
import Foundation
import TestSupport
import Testing
import Token

/// Issue #5 on the virtual card over pcscd: the API-KEY exchange signed on the card against the
/// stand, the card pulled and put back, and a wrong PIN — through a real `TokenManager`,
/// `APIKeyTokenSource` and `SignerHolder`, with the `pcsc` driver and with `opensc-pkcs11.so`.
@Suite(.serialized) struct TokenManagerCardTests {
    /// Seconds ahead at which the stand's one-hour token is stale (the last 300–330 s) but still valid.
    static let staleOffset: TimeInterval = 3400
    /// Seconds ahead at which a token obtained at `staleOffset` is within the manager's expiry safety.
    static let nearExpiryOffset: TimeInterval = 3595

    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func theCardSignsTheExchangeAndAReinsertedCardBringsAFreshTokenWithoutANewPIN(driver: TokenDriverKind) async throws {
        try await CardTokenHarness.run(driver: driver) { harness in
            let manager = harness.manager
            // A token from the stand, and what the stand received verifies with openssl and the stand's CA.
            let first = try await manager.lease()
            #expect(first.generation == 1)
            let sent = try #require(harness.transport.signatures.last)
            let complaint = try await harness.opensslRejects(signature: sent)
            #expect(complaint == nil, "openssl cms -verify: \(complaint ?? "")")
            expectPINs(harness, accepted: 1, wrong: 0)

            // Card pulled while the token is stale: the current token keeps being served, and the
            // refresh it started fails with token_absent.
            try await harness.rig.removeCard()
            harness.clock.setOffset(Self.staleOffset)
            #expect(try await manager.lease() == first)
            await manager.settle()
            #expect(harness.events.failures == [.tokenAbsent])
            let whileAbsent = await manager.status()
            #expect(whileAbsent.state == .stale)
            #expect(whileAbsent.lastFailure == .tokenAbsent)
            #expect(try await manager.lease() == first)

            // Card back: the presence wake-up obtains a fresh token at once (the backoff is a minute
            // and nobody asks), logging in with the PIN the card accepted before; no PIN was handed over.
            let inserted = ContinuousClock.now
            try harness.rig.control("insert")
            try await harness.events.wait(for: "a token after re-insertion") { $0.acquisitions == 2 }
            let waited = ContinuousClock.now - inserted
            #expect(waited < .seconds(5), "fresh token \(waited) after insertion")
            let second = try await manager.lease()
            #expect(second.generation == 2)
            #expect(second.token.expiresAt > first.token.expiresAt)
            expectPINs(harness, accepted: 2, wrong: 0)
            let resent = try #require(harness.transport.signatures.last)
            #expect(resent != sent)
            #expect(try await harness.opensslRejects(signature: resent) == nil)

            // Pulled again and the token near its expiry: never handed out; callers hear token_absent.
            try await harness.rig.removeCard()
            harness.clock.setOffset(Self.nearExpiryOffset)
            do throws(TokenManager.Refusal) {
                let lease = try await manager.lease()
                Issue.record("a token within the expiry safety was handed out: generation \(lease.generation)")
            } catch {
                #expect(error.reason == .tokenAbsent)
                #expect(error.retryAfter != nil)
            }
            #expect(await manager.status().state == .invalid)
        }
    }

    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func aWrongPINReachesTheCardOnceAndTheManagerWaitsForAPerson(driver: TokenDriverKind) async throws {
        try await CardTokenHarness.run(driver: driver, pin: "00000000") { harness in
            let manager = harness.manager
            let maximum = try harness.rig.cardStatus().maximumRetries
            do throws(TokenManager.Refusal) {
                _ = try await manager.lease()
                Issue.record("a wrong PIN produced a token")
            } catch {
                guard case .pinRequired = error.reason else {
                    Issue.record("expected pin_required, got \(error.reason)")
                    return
                }
                #expect(error.retryAfter == nil, "a wrong PIN must wait for a person, not a timer")
            }
            #expect(await manager.status().waitingForPerson)
            expectPINs(harness, accepted: 0, wrong: 1)
            #expect(try harness.rig.cardStatus().retriesLeft == maximum - 1)

            // Nothing automatic sends the PIN again: more callers, maintenance, and the card pulled
            // and put back (whose wake-up makes the manager try, and the PIN policy refuse).
            for _ in 0..<3 {
                await #expect(throws: TokenManager.Refusal.self) { try await manager.lease() }
            }
            await manager.maintain()
            await manager.settle()
            let failuresBefore = harness.events.failures.count
            try await harness.rig.removeCard()
            try await harness.rig.insertCard()
            try await harness.events.wait(for: "the attempt after re-insertion") { $0.failures.count > failuresBefore }
            await manager.settle()
            guard case .pinRequired = harness.events.failures.last else {
                Issue.record("after re-insertion: \(harness.events.failures)")
                return
            }
            #expect(await manager.status().waitingForPerson)
            expectPINs(harness, accepted: 0, wrong: 1)
            #expect(try harness.rig.cardStatus().retriesLeft == maximum - 1)

            // A person hands over the right PIN: one more VERIFY, and a token.
            _ = try await harness.holder.login(pin: try TokenPIN(harness.rig.options.pin))
            await manager.wake()
            let lease = try await manager.lease()
            #expect(lease.generation == 1)
            expectPINs(harness, accepted: 1, wrong: 1)
            #expect(try harness.rig.cardStatus().retriesLeft == maximum)
        }
    }

    /// The PIN-carrying VERIFY commands the card's own log shows.
    private func expectPINs(_ harness: CardTokenHarness, accepted: Int, wrong: Int,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let seen = harness.rig.pinVerifications
        #expect(seen.0 == accepted && seen.1 == wrong,
                "the card saw \(seen.0) right and \(seen.1) wrong PINs", sourceLocation: sourceLocation)
    }
}
