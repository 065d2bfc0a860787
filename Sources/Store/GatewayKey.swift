import Foundation
import GOST

/// A gateway API key as handed to an internal system: `gg_<keyID>_<secret>`.
///
/// The key ID (8 random bytes, hex) is public and finds the client row; the secret (32 random bytes,
/// base64url) is shown once, stored only as its Streebog-256 hash, and compared in constant time.
public struct GatewayKey: Sendable {
    public let keyID: String
    let secret: Data

    /// The full text to hand to the client once.
    public var text: String { "gg_\(keyID)_\(Base64URL.encode(secret))" }

    /// A new random key from the system's CSPRNG (getrandom).
    public static func generate() -> GatewayKey {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.lowercaseHexString
        let secret = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return GatewayKey(keyID: id, secret: secret)
    }

    /// Parses a presented key; nil for anything that is not exactly our format.
    public init?(text: String) {
        let parts = text.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "gg", parts[1].count == 16,
              parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
              Self.isStrictBase64url(parts[2]), let secret = try? Base64URL.decode(String(parts[2])),
              secret.count == 32 else { return nil }
        self.init(keyID: String(parts[1]), secret: secret)
    }

    private init(keyID: String, secret: Data) {
        self.keyID = keyID
        self.secret = secret
    }

    /// What the database keeps.
    func hash() throws -> Data { try Streebog.hash256(secret) }

    /// Constant-time comparison of this key's hash with a stored one.
    func matches(storedHash: Data) throws -> Bool {
        let computed = try hash()
        guard computed.count == storedHash.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(computed, storedHash) { difference |= a ^ b }
        return difference == 0
    }

    /// Only the unpadded base64url alphabet: the shared decoder is lenient (it also takes `+`, `/`,
    /// padding and whitespace), but a presented key must match what was issued exactly.
    private static func isStrictBase64url(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}
