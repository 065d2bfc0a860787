import Foundation

/// How many wrong PINs the token still tolerates, as precisely as the driver can tell.
///
/// A Rutoken answers `63 Cx` with the exact count; PKCS#11 only offers the token flags
/// `CKF_USER_PIN_COUNT_LOW`, `CKF_USER_PIN_FINAL_TRY` and `CKF_USER_PIN_LOCKED`.
public enum PINCounter: Sendable, Hashable, CustomStringConvertible {
    /// The driver cannot tell (PKCS#11 without any warning flag: no wrong attempt is known).
    case unknown
    /// Exactly this many attempts left (two or more).
    case remaining(Int)
    /// At least one wrong attempt was made and more than one attempt is left (PKCS#11 count-low flag).
    case low
    /// One attempt left: a wrong PIN now blocks the token.
    case finalTry
    /// The PIN is blocked; only the token's SO/admin PIN can unblock it.
    case locked

    /// The counter for an exact number of attempts left.
    public static func exactly(_ count: Int) -> PINCounter {
        switch count {
        case ...0: return .locked
        case 1: return .finalTry
        default: return .remaining(count)
        }
    }

    /// Attempts left when known exactly.
    public var retriesLeft: Int? {
        switch self {
        case .remaining(let count): return count
        case .finalTry: return 1
        case .locked: return 0
        case .unknown, .low: return nil
        }
    }

    public var isLocked: Bool { self == .locked }

    public var isFinalTry: Bool { self == .finalTry }

    public var description: String {
        switch self {
        case .unknown: return "retries left not reported by the token"
        case .remaining(let count): return "\(count) retries left"
        case .low: return "retries running low"
        case .finalTry: return "1 retry left (final try)"
        case .locked: return "PIN blocked"
        }
    }
}

/// JSON form for scripts: `{"state": "remaining", "retriesLeft": 4}`; `retriesLeft` only when known.
extension PINCounter: Codable {
    private enum CodingKeys: String, CodingKey {
        case state, retriesLeft
    }

    private var state: String {
        switch self {
        case .unknown: return "unknown"
        case .remaining: return "remaining"
        case .low: return "low"
        case .finalTry: return "final-try"
        case .locked: return "locked"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(retriesLeft, forKey: .retriesLeft)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "unknown": self = .unknown
        case "remaining": self = .remaining(try container.decode(Int.self, forKey: .retriesLeft))
        case "low": self = .low
        case "final-try": self = .finalTry
        case "locked": self = .locked
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .state, in: container,
                                                   debugDescription: "unknown PIN counter state \(other)")
        }
    }
}
