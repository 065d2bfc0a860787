import Foundation

/// The virtual card's file system: the Rutoken ECP system DFs holding the key and the certificate,
/// plus a PKCS#15 application that `opensc-pkcs11.so` binds to (research/gost-token.md §5.3–5.6;
/// file IDs as in OpenSC's `rutoken_ecp.profile`).
///
/// ```
/// 3F00 MF
/// ├── 2F00 EF.DIR ─────────────── points to 3F00/5000
/// ├── 1000/1000 system key domain
/// │   ├── 6002/00kk  private key, kk = key reference (never readable)
/// │   └── 6004/0001  certificate (DER, readable without PIN)
/// └── 5000 PKCS#15 application (DF name = PKCS#15 AID)
///     ├── 5031 ODF → PrKDF, CDF, AODF
///     ├── 5032 TokenInfo (serial, manufacturer, label, login required)
///     ├── 6002 PrKDF: privateGOSTR3410Key [4], key reference, GOST paramset
///     ├── 6004 CDF: X.509 certificate object
///     └── 6005 AODF: user PIN, reference 2, path 3F00/5000
/// ```
struct PKCS15Layout {
    /// The PKCS#15 application identifier (ISO 7816-15).
    static let applicationID = Data([0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35])
    static let applicationPath: [UInt16] = [0x3F00, 0x5000]
    static let certificatePath: [UInt16] = [0x3F00, 0x1000, 0x1000, 0x6004, 0x0001]
    static let manufacturer = "Aktiv Co."
    /// Reference of the user PIN in VERIFY (`00 20 00 02`); the SO PIN would be 1.
    static let userPINReference: UInt8 = 2
    static let minimumPINLength = 4
    static let maximumPINLength = 32

    let label: String
    let serial: Data
    let keyReference: UInt8
    /// CKA_ID of the key and the certificate (the PKCS#15 `iD`).
    let keyID: Data
    /// OpenSC's GOST paramset number: 1, 2, 3 for the CryptoPro A, B, C curves.
    let paramSetNumber: Int
    let certificateDER: Data

    var keyPath: [UInt16] { [0x3F00, 0x1000, 0x1000, 0x6002, UInt16(keyReference)] }

    /// The whole tree, rooted at the MF.
    var masterFile: CardFile {
        .directory(0x3F00, [
            .transparent(0x2F00, directory),
            .directory(0x1000, [
                .directory(0x1000, [
                    .directory(0x6002, [.privateKey(UInt16(keyReference), reference: keyReference)]),
                    .directory(0x6004, [.transparent(0x0001, certificateDER)]),
                ]),
            ]),
            .directory(0x5000, name: Self.applicationID, [
                .transparent(0x5031, objectDirectory),
                .transparent(0x5032, tokenInfo),
                .transparent(0x6002, privateKeyDirectory),
                .transparent(0x6004, certificateDirectory),
                .transparent(0x6005, authenticationObjectDirectory),
            ]),
        ])
    }

    /// EF.DIR: one application template (`61`) with AID, label and path.
    private var directory: Data {
        BERTLV(0x61, children: [
            BERTLV(0x4F, Self.applicationID),
            BERTLV(0x50, Data("gosgate".utf8)),
            BERTLV(0x51, Self.pathBytes(Self.applicationPath)),
        ]).encoded
    }

    /// ODF: privateKeys [0], certificates [4], authObjects [8], each a Path to its directory file.
    private var objectDirectory: Data {
        [(UInt8(0xA0), UInt16(0x6002)), (0xA4, 0x6004), (0xA8, 0x6005)].reduce(into: Data()) { out, entry in
            out.append(BERTLV(entry.0, children: [Self.path(Self.applicationPath + [entry.1])]).encoded)
        }
    }

    /// TokenInfo: version 0, serial, manufacturer, label [0], flags { loginRequired }.
    private var tokenInfo: Data {
        BERTLV.sequence([
            .integer(0),
            .octetString(serial),
            .utf8String(Self.manufacturer),
            BERTLV(0x80, Data(label.utf8)),
            .namedBits([1]),
        ]).encoded
    }

    /// AODF: the user PIN (ascii-numeric, case-sensitive, local, initialized), reference 2, whose
    /// VERIFY is sent with the application DF selected.
    private var authenticationObjectDirectory: Data {
        BERTLV.sequence([
            .sequence([.utf8String("User PIN")]),
            .sequence([.octetString(Data([Self.userPINReference]))]),
            BERTLV(0xA1, children: [.sequence([
                .namedBits([0, 1, 4]),
                .enumerated(1),
                .integer(Self.minimumPINLength),
                .integer(Self.maximumPINLength),
                .integer(Self.maximumPINLength),
                .integer(Int(Self.userPINReference), tag: 0x80),
                Self.path(Self.applicationPath),
            ])]),
        ]).encoded
    }

    /// PrKDF: one `privateGOSTR3410Key [4]`: private, guarded by the user PIN, usage sign and
    /// nonRepudiation, sensitive/never-extractable/local, with its key reference, key file and paramset.
    private var privateKeyDirectory: Data {
        BERTLV(0xA4, children: [
            .sequence([
                .utf8String("GOST 2012-256 key"),
                .namedBits([0]),
                .octetString(Data([Self.userPINReference])),
            ]),
            .sequence([
                .octetString(keyID),
                .namedBits([2, 9]),
                .namedBits([0, 2, 3, 4]),
                .integer(Int(keyReference)),
            ]),
            BERTLV(0xA1, children: [.sequence([
                Self.path(keyPath),
                .integer(paramSetNumber),
            ])]),
        ]).encoded
    }

    /// CDF: one X.509 certificate object with the key's iD, stored indirectly at `certificatePath`.
    private var certificateDirectory: Data {
        BERTLV.sequence([
            .sequence([.utf8String("GOST 2012-256 cert")]),
            .sequence([.octetString(keyID)]),
            BERTLV(0xA1, children: [.sequence([Self.path(Self.certificatePath)])]),
        ]).encoded
    }

    /// A PKCS#15 `Path`: SEQUENCE { OCTET STRING path }.
    private static func path(_ fileIDs: [UInt16]) -> BERTLV {
        .sequence([.octetString(pathBytes(fileIDs))])
    }

    private static func pathBytes(_ fileIDs: [UInt16]) -> Data {
        fileIDs.reduce(into: Data()) { out, id in
            out.append(UInt8(id >> 8))
            out.append(UInt8(id & 0xFF))
        }
    }
}
