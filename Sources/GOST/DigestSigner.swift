import Foundation

/// Anything that can produce a GOST R 34.10-2012 signature over a digest the caller computed:
/// a software key, a PKCS#11 token, a Rutoken spoken to with APDUs.
///
/// The CAdES builder and the ESIA OAuth signer only ever hand over a Streebog digest, so a hardware
/// token plugs in without either of them changing.
public protocol DigestSigner: Sendable {
    /// The certificate whose public key verifies this signer's signatures.
    var certificate: GOSTCertificate { get }

    /// Signs `digest` (Streebog output exactly as OpenSSL prints it, 32 bytes for 256-bit keys and
    /// 64 for 512-bit keys).
    ///
    /// - Returns: the signature in the one order this module uses everywhere: `s‖r`, each half
    ///   big-endian, as in X.509, CMS, OpenSSL and PKCS#11 (see `GOSTByteOrder`).
    func sign(digest: Data) async throws -> Data
}
