/// A PKCS#11 `CK_RV`, named for messages.
public struct PKCS11ReturnCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt

    public init(_ rawValue: UInt) { self.rawValue = rawValue }

    static let ok = PKCS11ReturnCode(0x000)
    static let deviceError = PKCS11ReturnCode(0x030)
    static let deviceRemoved = PKCS11ReturnCode(0x032)
    static let generalError = PKCS11ReturnCode(0x005)
    static let functionFailed = PKCS11ReturnCode(0x006)
    static let mechanismInvalid = PKCS11ReturnCode(0x070)
    static let pinIncorrect = PKCS11ReturnCode(0x0A0)
    static let pinInvalid = PKCS11ReturnCode(0x0A1)
    static let pinLengthRange = PKCS11ReturnCode(0x0A2)
    static let pinExpired = PKCS11ReturnCode(0x0A3)
    static let pinLocked = PKCS11ReturnCode(0x0A4)
    static let sessionClosed = PKCS11ReturnCode(0x0B0)
    static let sessionHandleInvalid = PKCS11ReturnCode(0x0B3)
    static let tokenNotPresent = PKCS11ReturnCode(0x0E0)
    static let tokenNotRecognized = PKCS11ReturnCode(0x0E1)
    static let userAlreadyLoggedIn = PKCS11ReturnCode(0x100)
    static let cryptokiAlreadyInitialized = PKCS11ReturnCode(0x191)

    var isOK: Bool { rawValue == 0 }

    /// The token (or the reader, or pcscd below the module) went away: the session is dead.
    var meansTokenGone: Bool {
        [Self.deviceRemoved, .tokenNotPresent, .sessionClosed, .sessionHandleInvalid, .deviceError,
         .tokenNotRecognized].contains(self)
    }

    private static let names: [UInt: String] = [
        0x000: "CKR_OK", 0x001: "CKR_CANCEL", 0x002: "CKR_HOST_MEMORY", 0x003: "CKR_SLOT_ID_INVALID",
        0x005: "CKR_GENERAL_ERROR", 0x006: "CKR_FUNCTION_FAILED", 0x007: "CKR_ARGUMENTS_BAD",
        0x012: "CKR_ATTRIBUTE_TYPE_INVALID", 0x013: "CKR_ATTRIBUTE_VALUE_INVALID", 0x020: "CKR_DATA_INVALID",
        0x021: "CKR_DATA_LEN_RANGE", 0x030: "CKR_DEVICE_ERROR", 0x031: "CKR_DEVICE_MEMORY",
        0x032: "CKR_DEVICE_REMOVED", 0x050: "CKR_FUNCTION_CANCELED", 0x054: "CKR_FUNCTION_NOT_SUPPORTED",
        0x060: "CKR_KEY_HANDLE_INVALID", 0x063: "CKR_KEY_TYPE_INCONSISTENT", 0x068: "CKR_KEY_FUNCTION_NOT_PERMITTED",
        0x070: "CKR_MECHANISM_INVALID", 0x071: "CKR_MECHANISM_PARAM_INVALID", 0x082: "CKR_OBJECT_HANDLE_INVALID",
        0x090: "CKR_OPERATION_ACTIVE", 0x091: "CKR_OPERATION_NOT_INITIALIZED", 0x0A0: "CKR_PIN_INCORRECT",
        0x0A1: "CKR_PIN_INVALID", 0x0A2: "CKR_PIN_LEN_RANGE", 0x0A3: "CKR_PIN_EXPIRED", 0x0A4: "CKR_PIN_LOCKED",
        0x0B0: "CKR_SESSION_CLOSED", 0x0B1: "CKR_SESSION_COUNT", 0x0B3: "CKR_SESSION_HANDLE_INVALID",
        0x0B5: "CKR_SESSION_READ_ONLY", 0x0E0: "CKR_TOKEN_NOT_PRESENT", 0x0E1: "CKR_TOKEN_NOT_RECOGNIZED",
        0x100: "CKR_USER_ALREADY_LOGGED_IN", 0x101: "CKR_USER_NOT_LOGGED_IN", 0x102: "CKR_USER_PIN_NOT_INITIALIZED",
        0x103: "CKR_USER_TYPE_INVALID", 0x150: "CKR_BUFFER_TOO_SMALL", 0x190: "CKR_CRYPTOKI_NOT_INITIALIZED",
        0x191: "CKR_CRYPTOKI_ALREADY_INITIALIZED",
    ]

    public var description: String {
        "\(Self.names[rawValue] ?? "vendor-defined error") (0x\(String(rawValue, radix: 16, uppercase: true)))"
    }
}
