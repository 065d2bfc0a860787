import Foundation

/// A GOST R 34.10 elliptic-curve parameter set (the curve), named by its OID.
public struct GOSTParameterSet: Sendable, Hashable, CustomStringConvertible {
    /// Dotted OID as it appears in the SubjectPublicKeyInfo parameters.
    public let oid: String
    /// A human name, e.g. "CryptoPro-A (TC26 256 B)".
    public let name: String
    /// The key size this curve belongs to.
    public let keySize: GOSTKeySize
    /// The value for `openssl genpkey -pkeyopt paramset:…`, nil for curves OpenSSL cannot generate on.
    public let openSSLName: String?

    public var description: String { "\(name) (\(oid))" }

    /// CryptoPro-A, the most common curve on Russian tokens (= TC26 256 paramSetB).
    public static let cryptoProA = GOSTParameterSet(oid: "1.2.643.2.2.35.1", name: "CryptoPro-A", keySize: .bits256, openSSLName: "A")
    /// CryptoPro-B (= TC26 256 paramSetC).
    public static let cryptoProB = GOSTParameterSet(oid: "1.2.643.2.2.35.2", name: "CryptoPro-B", keySize: .bits256, openSSLName: "B")
    /// CryptoPro-C (= TC26 256 paramSetD).
    public static let cryptoProC = GOSTParameterSet(oid: "1.2.643.2.2.35.3", name: "CryptoPro-C", keySize: .bits256, openSSLName: "C")
    /// CryptoPro-XchA (key exchange curve, same as CryptoPro-A).
    public static let cryptoProXchA = GOSTParameterSet(oid: "1.2.643.2.2.36.0", name: "CryptoPro-XchA", keySize: .bits256, openSSLName: "XA")
    /// CryptoPro-XchB (key exchange curve, same as CryptoPro-C).
    public static let cryptoProXchB = GOSTParameterSet(oid: "1.2.643.2.2.36.1", name: "CryptoPro-XchB", keySize: .bits256, openSSLName: "XB")
    /// TC26 256 paramSetA (twisted Edwards curve).
    public static let tc26_256A = GOSTParameterSet(oid: "1.2.643.7.1.2.1.1.1", name: "TC26-256-A", keySize: .bits256, openSSLName: "TCA")
    /// TC26 256 paramSetB (= CryptoPro-A, under the TC26 OID).
    public static let tc26_256B = GOSTParameterSet(oid: "1.2.643.7.1.2.1.1.2", name: "TC26-256-B", keySize: .bits256, openSSLName: "TCB")
    /// TC26 256 paramSetC (= CryptoPro-B, under the TC26 OID).
    public static let tc26_256C = GOSTParameterSet(oid: "1.2.643.7.1.2.1.1.3", name: "TC26-256-C", keySize: .bits256, openSSLName: "TCC")
    /// TC26 256 paramSetD (= CryptoPro-C, under the TC26 OID).
    public static let tc26_256D = GOSTParameterSet(oid: "1.2.643.7.1.2.1.1.4", name: "TC26-256-D", keySize: .bits256, openSSLName: "TCD")
    /// TC26 512 paramSetA.
    public static let tc26_512A = GOSTParameterSet(oid: "1.2.643.7.1.2.1.2.1", name: "TC26-512-A", keySize: .bits512, openSSLName: "A")
    /// TC26 512 paramSetB.
    public static let tc26_512B = GOSTParameterSet(oid: "1.2.643.7.1.2.1.2.2", name: "TC26-512-B", keySize: .bits512, openSSLName: "B")
    /// TC26 512 paramSetC (twisted Edwards curve).
    public static let tc26_512C = GOSTParameterSet(oid: "1.2.643.7.1.2.1.2.3", name: "TC26-512-C", keySize: .bits512, openSSLName: "C")
    /// The GOST R 34.10-2001 test curve of the standard's worked example; verification only.
    public static let test2001 = GOSTParameterSet(oid: "1.2.643.2.2.35.0", name: "GOST 2001 test", keySize: .bits256, openSSLName: nil)

    /// Every parameter set this module knows by name.
    public static let known: [GOSTParameterSet] = [
        .cryptoProA, .cryptoProB, .cryptoProC, .cryptoProXchA, .cryptoProXchB,
        .tc26_256A, .tc26_256B, .tc26_256C, .tc26_256D,
        .tc26_512A, .tc26_512B, .tc26_512C, .test2001,
    ]

    /// The known parameter set with `oid`, or an unnamed one for an OID this module has no name for.
    public init(oid: String, keySize: GOSTKeySize) {
        self = Self.known.first { $0.oid == oid } ?? GOSTParameterSet(oid: oid, name: oid, keySize: keySize, openSSLName: nil)
    }

    /// Looks up a parameter set by OpenSSL's short name (`A`, `TCA`, ...) for the given key size,
    /// or by OID.
    public static func named(_ name: String, keySize: GOSTKeySize) -> GOSTParameterSet? {
        known.first { $0.keySize == keySize && ($0.openSSLName?.caseInsensitiveCompare(name) == .orderedSame || $0.oid == name) }
    }

    private init(oid: String, name: String, keySize: GOSTKeySize, openSSLName: String?) {
        self.oid = oid
        self.name = name
        self.keySize = keySize
        self.openSSLName = openSSLName
    }
}
