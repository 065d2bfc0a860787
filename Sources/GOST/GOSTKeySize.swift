import COpenSSL

/// The two GOST R 34.10-2012 key sizes and everything that follows from the size.
public enum GOSTKeySize: Sendable, Hashable, CustomStringConvertible {
    /// 256-bit keys: Streebog-256 digests, 64-byte signatures.
    case bits256
    /// 512-bit keys: Streebog-512 digests, 128-byte signatures.
    case bits512

    /// The digest that goes with this key size (RFC 9215, and what OpenSSL picks by default).
    public var digest: Streebog.Size { self == .bits256 ? .bits256 : .bits512 }

    /// Length of a signature `s‖r` in bytes.
    public var signatureByteCount: Int { self == .bits256 ? 64 : 128 }

    /// Public-key algorithm OID (id-tc26-gost3410-12-256 / -512).
    public var publicKeyOID: String { self == .bits256 ? GOSTOID.publicKey256 : GOSTOID.publicKey512 }

    /// Certificate signature algorithm OID (id-tc26-signwithdigest-gost3410-12-256 / -512).
    public var signatureAlgorithmOID: String {
        self == .bits256 ? GOSTOID.signWithDigest256 : GOSTOID.signWithDigest512
    }

    /// Key size in bits.
    public var bits: Int { self == .bits256 ? 256 : 512 }

    public var description: String { "GOST R 34.10-2012 \(bits)-bit" }

    /// OpenSSL's algorithm name (`openssl genpkey -algorithm …`).
    var openSSLAlgorithm: String { self == .bits256 ? "gost2012_256" : "gost2012_512" }

    var nid: Int32 { self == .bits256 ? NID_id_GostR3410_2012_256 : NID_id_GostR3410_2012_512 }

    init?(nid: Int32) {
        switch nid {
        case NID_id_GostR3410_2012_256: self = .bits256
        case NID_id_GostR3410_2012_512: self = .bits512
        default: return nil
        }
    }
}
