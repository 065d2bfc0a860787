/// Something that happened to pcscd, a reader or a card.
public enum PresenceEvent: Sendable, Hashable, CustomStringConvertible {
    /// pcscd is reachable (at start, or again after it was lost).
    case serviceAvailable
    /// pcscd went away or cannot be reached; the monitor reconnects with backoff.
    case serviceLost(String)
    /// A reader appeared.
    case readerAttached(String)
    /// A reader disappeared (a card in it is reported removed first).
    case readerRemoved(String)
    /// A card was inserted (or was present when the monitor started).
    case cardInserted(reader: String, answerToReset: [UInt8])
    /// A card was removed.
    case cardRemoved(reader: String)

    public var description: String {
        switch self {
        case .serviceAvailable: return "pcscd available"
        case .serviceLost(let why): return "pcscd lost: \(why)"
        case .readerAttached(let reader): return "reader attached: \(reader)"
        case .readerRemoved(let reader): return "reader removed: \(reader)"
        case .cardInserted(let reader, let atr):
            return "card inserted in \(reader): \(TokenModel.name(forAnswerToReset: atr) ?? "unknown card") "
                + "(ATR \(atr.hexString))"
        case .cardRemoved(let reader): return "card removed from \(reader)"
        }
    }
}

/// What the monitor currently sees.
public struct PresenceSnapshot: Sendable, Hashable, Codable {
    /// One reader and its card.
    public struct Reader: Sendable, Hashable, Codable {
        public let name: String
        public var cardPresent: Bool
        /// The card's ATR, hex; nil without a card.
        public var answerToReset: String?
        /// The token model the ATR identifies, if known.
        public var cardName: String?
    }

    public var serviceAvailable: Bool
    public var readers: [Reader]

    public static let empty = PresenceSnapshot(serviceAvailable: false, readers: [])
}
