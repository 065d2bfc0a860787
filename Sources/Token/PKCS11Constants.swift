/// The PKCS#11 v2.40 constants this module uses (values from the standard's `pkcs11t.h`, the GOST
/// ones from research/gost-token.md §9.2). Every `CK_ULONG` is `unsigned long`, 64 bits on Linux.
enum PKCS11Constants {
    // Object classes (CKA_CLASS values).
    static let classCertificate: UInt = 0x1
    static let classPrivateKey: UInt = 0x3

    // Attributes.
    static let attributeClass: UInt = 0x000
    static let attributeLabel: UInt = 0x003
    static let attributeValue: UInt = 0x011
    static let attributeID: UInt = 0x102

    // Mechanisms.
    /// Raw GOST R 34.10 over a 32-byte digest computed by the caller; single-part.
    static let mechanismGOSTR3410: UInt = 0x1201
    /// TC26: GOST R 34.10-2012 with Streebog-256 computed on the token.
    static let mechanismGOSTR3410WithGOSTR3411_12_256: UInt = 0xD432_1008

    // User types and session flags.
    static let userTypeUser: UInt = 1
    static let sessionSerial: UInt = 0x4
    static let sessionStateROUserFunctions: UInt = 1
    static let sessionStateRWUserFunctions: UInt = 3

    // CK_C_INITIALIZE_ARGS flags: let the module use the OS's own locking.
    static let initializeOSLockingOK: UInt = 0x2

    // CK_SLOT_INFO flags.
    static let slotTokenPresent: UInt = 0x1

    // CK_TOKEN_INFO flags.
    static let tokenUserPINCountLow: UInt = 0x1_0000
    static let tokenUserPINFinalTry: UInt = 0x2_0000
    static let tokenUserPINLocked: UInt = 0x4_0000

    /// Indices into `CK_FUNCTION_LIST` after its `CK_VERSION` (the order of `pkcs11f.h`).
    enum Function: Int, CaseIterable {
        case initialize = 0
        case finalize = 1
        case getSlotList = 4
        case getSlotInfo = 5
        case getTokenInfo = 6
        case getMechanismList = 7
        case openSession = 12
        case closeSession = 13
        case getSessionInfo = 15
        case login = 18
        case logout = 19
        case getAttributeValue = 24
        case findObjectsInit = 26
        case findObjects = 27
        case findObjectsFinal = 28
        case signInit = 42
        case sign = 43

        /// The exported symbol with the same function, for cross-checking the table.
        var symbol: String {
            switch self {
            case .initialize: return "C_Initialize"
            case .finalize: return "C_Finalize"
            case .getSlotList: return "C_GetSlotList"
            case .getSlotInfo: return "C_GetSlotInfo"
            case .getTokenInfo: return "C_GetTokenInfo"
            case .getMechanismList: return "C_GetMechanismList"
            case .openSession: return "C_OpenSession"
            case .closeSession: return "C_CloseSession"
            case .getSessionInfo: return "C_GetSessionInfo"
            case .login: return "C_Login"
            case .logout: return "C_Logout"
            case .getAttributeValue: return "C_GetAttributeValue"
            case .findObjectsInit: return "C_FindObjectsInit"
            case .findObjects: return "C_FindObjects"
            case .findObjectsFinal: return "C_FindObjectsFinal"
            case .signInit: return "C_SignInit"
            case .sign: return "C_Sign"
            }
        }
    }
}
