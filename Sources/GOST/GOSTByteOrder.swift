import Foundation

/// Every byte-order conversion of GOST values, in one place (research/gost-token.md §0, §2, §7.3).
///
/// The module's own orders, used everywhere else:
/// - a digest `H` is the Streebog output exactly as `openssl dgst -binary` prints it; the signing
///   equation uses `e = little-endian(H) mod q`;
/// - a signature is `s‖r`, each half big-endian (X.509, CMS, OpenSSL, PKCS#11, ESIA);
/// - a public key in a SubjectPublicKeyInfo is `X_le‖Y_le`; a PKCS#8 private key holds `d` little-endian.
///
/// Everything else (printouts in the standard and RFCs, gostcrypto, CryptoPro CSP, the Rutoken APDU
/// interface) is converted here and nowhere else.
public enum GOSTByteOrder {
    /// Byte-reverses `bytes`. RFC 6986 and RFC 7091 print messages, hashes and `e` reversed relative
    /// to `H`; reversing converts in both directions.
    public static func reversed(_ bytes: Data) -> Data {
        Data(bytes.reversed())
    }

    /// The digest `H` for a value `e` printed big-endian in the standard / RFC 7091 (and back).
    public static func digest(fromStandardE e: Data) -> Data {
        reversed(e)
    }

    /// Streebog output `H` from an RFC 6986 printout of a hash (and back: the printout is `reversed(H)`).
    public static func digest(fromRFC6986Printout printout: Data) -> Data {
        reversed(printout)
    }

    /// Our signature `s‖r` from the big-endian integers `r` and `s` as the standard prints them.
    /// Shorter values are left-padded to `halfLength`.
    public static func signature(r: Data, s: Data, halfLength: Int = 32) -> Data {
        leftPadded(s, to: halfLength) + leftPadded(r, to: halfLength)
    }

    /// Splits a signature `s‖r` into big-endian `r` and `s`.
    public static func components(ofSignature signature: Data) -> (r: Data, s: Data) {
        let half = signature.count / 2
        let bytes = Data(signature)
        return (r: bytes.suffix(half), s: bytes.prefix(half))
    }

    /// Our `s‖r` from a gostcrypto (PyPI) signature, which is `r‖s` big-endian. gostcrypto also
    /// reads the digest big-endian, so hand it `reversed(H)`.
    public static func signature(fromGostcrypto rs: Data) -> Data {
        swapHalves(rs)
    }

    /// Our `s‖r` from raw CryptoPro CSP / CryptoAPI output, which is the whole signature byte-reversed
    /// ("развернуть зеркально, побайтово"). The conversion is its own inverse.
    public static func signature(fromCryptoPro raw: Data) -> Data {
        reversed(raw)
    }

    /// Our `s‖r` from a Rutoken ECP `PSO: COMPUTE DIGITAL SIGNATURE` response (the card answers
    /// `r_le‖s_le`, i.e. the byte-reverse of `s‖r`); also the reverse direction, for a virtual card.
    public static func signature(fromRutokenResponse response: Data) -> Data {
        reversed(response)
    }

    /// The Rutoken `PSO: CDS` data field for a digest `H`: OpenSC reverses twice, so the card gets `H` as is.
    public static func rutokenCommandData(forDigest digest: Data) -> Data {
        Data(digest)
    }

    /// The SubjectPublicKeyInfo point `X_le‖Y_le` from big-endian coordinates (as `openssl pkey -text`
    /// and the standard print them).
    public static func spkiPoint(x: Data, y: Data) -> Data {
        reversed(x) + reversed(y)
    }

    /// Big-endian coordinates from a SubjectPublicKeyInfo point `X_le‖Y_le`.
    public static func coordinates(fromSPKIPoint point: Data) -> (x: Data, y: Data) {
        let half = point.count / 2
        let bytes = Data(point)
        return (x: reversed(bytes.prefix(half)), y: reversed(bytes.suffix(half)))
    }

    /// The big-endian private scalar `d` from the little-endian bytes a PKCS#8 GOST key holds (and back).
    public static func privateScalar(fromPKCS8 littleEndian: Data) -> Data {
        reversed(littleEndian)
    }

    private static func swapHalves(_ bytes: Data) -> Data {
        let half = bytes.count / 2
        let copy = Data(bytes)
        return copy.suffix(half) + copy.prefix(half)
    }

    private static func leftPadded(_ value: Data, to length: Int) -> Data {
        value.count >= length ? Data(value.suffix(length)) : Data(count: length - value.count) + value
    }
}
