import Foundation

/// Which driver signs.
public enum TokenDriverKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A vendor PKCS#11 module (Aktiv `librtpkcs11ecp.so`, JaCarta `libjcPKCS11-2.so`, `opensc-pkcs11.so`).
    case pkcs11
    /// Direct ISO 7816 APDUs to a Rutoken ECP through pcscd, for sites without a vendor module.
    case pcsc
    /// A software key file: test stands only.
    case file

    public var description: String { rawValue }
}

/// How to reach the token, chosen in the gateway configuration.
public struct TokenConfiguration: Sendable {
    /// The driver and its settings.
    public enum Driver: Sendable {
        case pkcs11(PKCS11Settings)
        case pcsc(PCSCSettings)
        case file(SoftwareKeySettings)

        public var kind: TokenDriverKind {
            switch self {
            case .pkcs11: return .pkcs11
            case .pcsc: return .pcsc
            case .file: return .file
            }
        }
    }

    public var driver: Driver
    /// A certificate file (PEM or DER) to use instead of the one on the token. Required for the
    /// `file` driver, and for `opensc-pkcs11.so`, which cannot expose GOST-2012 certificates.
    public var certificateFile: String?
    /// How long a signing request may wait: in the queue behind other requests, and for an absent
    /// token to be (re)inserted.
    public var deadline: Duration
    /// Verify every signature with the certificate before returning it (catches byte-order and
    /// key/certificate mix-ups at the first signature, for well under a millisecond).
    public var checksSignatures: Bool

    public init(driver: Driver, certificateFile: String? = nil, deadline: Duration = .seconds(30),
                checksSignatures: Bool = true) {
        self.driver = driver
        self.certificateFile = certificateFile
        self.deadline = deadline
        self.checksSignatures = checksSignatures
    }
}

/// `pkcs11` driver settings.
public struct PKCS11Settings: Sendable {
    /// Path of the vendor's PKCS#11 module.
    public var modulePath: String
    /// Token label as `pkcs11-tool -L` prints it (OpenSC appends " (User PIN)"; either form matches).
    public var tokenLabel: String?
    /// Token serial number as `pkcs11-tool -L` prints it.
    public var tokenSerial: String?
    /// The key's `CKA_ID`, as bytes (configured as hex).
    public var keyID: Data?
    /// The key's `CKA_LABEL`, when there is no ID.
    public var keyLabel: String?

    public init(modulePath: String, tokenLabel: String? = nil, tokenSerial: String? = nil,
                keyID: Data? = nil, keyLabel: String? = nil) {
        self.modulePath = modulePath
        self.tokenLabel = tokenLabel
        self.tokenSerial = tokenSerial
        self.keyID = keyID
        self.keyLabel = keyLabel
    }
}

/// `pcsc` driver settings: a Rutoken ECP spoken to with APDUs (research/gost-token.md §7, §9.3).
public struct PCSCSettings: Sendable {
    /// Reader name, or a part of it; nil picks the reader holding a Rutoken ECP.
    public var reader: String?
    /// The key file selected before MSE:SET (the Rutoken profile keeps keys in 3F00/1000/1000/6002).
    public var keyFile: CardPath
    /// The key reference sent in MSE:SET (tag 84).
    public var keyReference: UInt8
    /// Where the certificate is on the card; nil when it comes from `certificateFile`.
    public var certificateFile: CardPath?
    /// The DF selected before VERIFY; nil selects the MF (the Rutoken user PIN is global).
    public var pinDirectory: CardPath?
    /// The user PIN's reference in VERIFY (2 on a Rutoken ECP; 1 is the SO PIN).
    public var pinReference: UInt8
    /// The PKCS#15 TokenInfo, read for the token label (best effort).
    public var tokenInfoFile: CardPath?

    public init(reader: String? = nil,
                keyFile: CardPath = CardPath(literal: [0x3F00, 0x1000, 0x1000, 0x6002, 0x0001]),
                keyReference: UInt8 = 1,
                certificateFile: CardPath? = CardPath(literal: [0x3F00, 0x1000, 0x1000, 0x6004, 0x0001]),
                pinDirectory: CardPath? = nil,
                pinReference: UInt8 = 2,
                tokenInfoFile: CardPath? = CardPath(literal: [0x3F00, 0x5000, 0x5032])) {
        self.reader = reader
        self.keyFile = keyFile
        self.keyReference = keyReference
        self.certificateFile = certificateFile
        self.pinDirectory = pinDirectory
        self.pinReference = pinReference
        self.tokenInfoFile = tokenInfoFile
    }
}

/// `file` driver settings: a software key on disk, for test stands.
public struct SoftwareKeySettings: Sendable {
    /// PEM or DER private key.
    public var keyFile: String
    /// Must be true: the software key is refused otherwise.
    public var allowSoftwareKey: Bool

    public init(keyFile: String, allowSoftwareKey: Bool) {
        self.keyFile = keyFile
        self.allowSoftwareKey = allowSoftwareKey
    }
}
