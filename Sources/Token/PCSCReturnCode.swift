import CPCSC

/// A PC/SC (`winscard`) return code; pcsc-lite defines them as cast macros Swift cannot import.
public struct PCSCReturnCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int

    public init(_ rawValue: Int) { self.rawValue = rawValue }

    static let success = PCSCReturnCode(0)
    static let cancelled = PCSCReturnCode(0x8010_0002)
    static let invalidHandle = PCSCReturnCode(0x8010_0003)
    static let unknownReader = PCSCReturnCode(0x8010_0009)
    static let timeout = PCSCReturnCode(0x8010_000A)
    static let noSmartcard = PCSCReturnCode(0x8010_000C)
    static let systemCancelled = PCSCReturnCode(0x8010_0012)
    static let communicationError = PCSCReturnCode(0x8010_0013)
    static let notTransacted = PCSCReturnCode(0x8010_0016)
    static let readerUnavailable = PCSCReturnCode(0x8010_0017)
    static let noService = PCSCReturnCode(0x8010_001D)
    static let serviceStopped = PCSCReturnCode(0x8010_001E)
    static let noReadersAvailable = PCSCReturnCode(0x8010_002E)
    static let unresponsiveCard = PCSCReturnCode(0x8010_0066)
    static let unpoweredCard = PCSCReturnCode(0x8010_0067)
    static let resetCard = PCSCReturnCode(0x8010_0068)
    static let removedCard = PCSCReturnCode(0x8010_0069)

    var isSuccess: Bool { rawValue == 0 }

    /// pcscd itself is gone (stopped, restarting, or never started): reconnect later.
    var meansServiceLost: Bool {
        [Self.noService, .serviceStopped, .communicationError, .invalidHandle].contains(self)
    }

    /// The card left the reader (or the reader left the system).
    var meansCardGone: Bool {
        [Self.removedCard, .noSmartcard, .readerUnavailable, .unknownReader, .unpoweredCard,
         .unresponsiveCard, .notTransacted].contains(self)
    }

    public var description: String {
        String(format: "%@ (0x%08lX)", String(cString: pcsc_stringify_error(rawValue)), rawValue)
    }
}
