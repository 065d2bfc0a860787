import Foundation
import Testing
@testable import Token

/// The rules that keep an automatic loop from ever blocking the token, checked without hardware.
@Suite struct PINPolicyTests {
    private func pin(_ text: String = "48151623") throws -> TokenPIN { try TokenPIN(text) }

    @Test func noPINMeansPINRequired() {
        let policy = PINPolicy()
        #expect(throws: TokenError.pinRequired) { try policy.pinForLogin(tokenSerial: "01", counter: .unknown) }
    }

    @Test func aRejectedPINIsWipedAndNeverOfferedAgain() throws {
        var policy = PINPolicy()
        let held = try pin()
        policy.provide(held, forceFinalTry: false)
        #expect(try policy.pinForLogin(tokenSerial: "01", counter: .exactly(5)) === held)
        policy.loginRejected(counter: .exactly(4))
        #expect(held.isWiped)
        #expect(throws: TokenError.pinRejectedEarlier(.exactly(4))) {
            try policy.pinForLogin(tokenSerial: "01", counter: .exactly(4))
        }
        // Only a person handing over a new PIN resumes.
        policy.provide(try pin("11112222"), forceFinalTry: false)
        #expect(throws: Never.self) { try policy.pinForLogin(tokenSerial: "01", counter: .exactly(4)) }
    }

    @Test func finalTryNeedsForce() throws {
        var policy = PINPolicy()
        policy.provide(try pin(), forceFinalTry: false)
        #expect(throws: TokenError.pinFinalTryRefused) { try policy.pinForLogin(tokenSerial: "01", counter: .finalTry) }
        policy.provide(try pin(), forceFinalTry: true)
        #expect(throws: Never.self) { try policy.pinForLogin(tokenSerial: "01", counter: .finalTry) }
    }

    @Test func lockedTokenIsNeverSentAPIN() throws {
        var policy = PINPolicy()
        policy.provide(try pin(), forceFinalTry: true)
        #expect(throws: TokenError.pinLocked) { try policy.pinForLogin(tokenSerial: "01", counter: .locked) }
    }

    @Test func acceptedPINIsReusedOnlyForTheSameToken() throws {
        var policy = PINPolicy()
        let held = try pin()
        policy.provide(held, forceFinalTry: false)
        _ = try policy.pinForLogin(tokenSerial: "01", counter: .exactly(5))
        policy.loginSucceeded(tokenSerial: "01")
        policy.tokenRemoved()
        #expect(!held.isWiped, "an accepted PIN survives removal for the token's return")
        policy.tokenPresent(serial: "01")
        #expect(try policy.pinForLogin(tokenSerial: "01", counter: .unknown) === held)
        // Another token arrives: the PIN is wiped rather than tried on a card that never accepted it.
        policy.tokenPresent(serial: "02")
        #expect(held.isWiped)
        #expect(throws: TokenError.pinRequired) { try policy.pinForLogin(tokenSerial: "02", counter: .unknown) }
    }

    @Test func untriedPINIsWipedOnRemovalAndLogout() throws {
        var policy = PINPolicy()
        let untried = try pin()
        policy.provide(untried, forceFinalTry: false)
        policy.tokenRemoved()
        #expect(untried.isWiped)
        let accepted = try pin()
        policy.provide(accepted, forceFinalTry: false)
        policy.loginSucceeded(tokenSerial: "01")
        policy.forget()
        #expect(accepted.isWiped)
        #expect(policy.phase == .noPIN)
    }

    @Test func pinIsNeverPrinted() throws {
        let secret = try pin("48151623")
        #expect(!"\(secret)".contains("4815"))
        #expect(!String(reflecting: secret).contains("4815"))
        #expect(!"\(TokenError.pinIncorrect(.exactly(3)))".contains("4815"))
    }

    @Test func pinFromFileDropsOneNewline() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pin-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("12345678\n".utf8).write(to: file)
        let loaded = try TokenPIN(contentsOfFile: file.path)
        #expect(loaded.count == 8)
        try Data("1234\n\n".utf8).write(to: file)
        #expect(throws: TokenError.self) { try TokenPIN(contentsOfFile: file.path) }
    }

    @Test func systemdCredentialIsReadFromTheCredentialsDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("87654321".utf8).write(to: directory.appendingPathComponent("gosgate-token-pin"))
        let environment = ["CREDENTIALS_DIRECTORY": directory.path]
        #expect(try TokenPIN.systemdCredential(named: "gosgate-token-pin", environment: environment)?.count == 8)
        #expect(try TokenPIN.systemdCredential(named: "missing", environment: environment) == nil)
        #expect(try TokenPIN.systemdCredential(named: "gosgate-token-pin", environment: [:]) == nil)
    }

    @Test func counterNormalisesExactCounts() {
        #expect(PINCounter.exactly(0) == .locked)
        #expect(PINCounter.exactly(1) == .finalTry)
        #expect(PINCounter.exactly(7) == .remaining(7))
        #expect(PINCounter.exactly(7).retriesLeft == 7)
        #expect(PINCounter.low.retriesLeft == nil)
    }

    @Test func counterJSONIsReadableByScripts() throws {
        let json = String(decoding: try JSONEncoder().encode(PINCounter.remaining(4)), as: UTF8.self)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "remaining")
        #expect(object?["retriesLeft"] as? Int == 4)
        for counter in [PINCounter.unknown, .remaining(7), .low, .finalTry, .locked] {
            #expect(try JSONDecoder().decode(PINCounter.self, from: JSONEncoder().encode(counter)) == counter)
        }
    }
}
