import COpenSSL
import Foundation

/// What a person needs to know about one certificate of a peer's chain.
public struct CertificateSummary: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Subject distinguished name in certificate order (`C=RU,O=…,CN=…`), RFC 2253 escaping, UTF-8.
    public let subject: String
    /// Issuer distinguished name, same format.
    public let issuer: String
    /// Start of the validity period.
    public let notBefore: Date
    /// End of the validity period.
    public let notAfter: Date
    /// Serial number in upper-case hex.
    public let serialNumber: String
    /// Subject alternative names as OpenSSL prints them (`DNS:host`, `IP Address:127.0.0.1`).
    public let subjectAlternativeNames: [String]
    /// Public key algorithm short name (`gost2012_256`, `rsaEncryption`, `id-ecPublicKey`…).
    public let publicKeyAlgorithm: String
    /// Signature algorithm long name.
    public let signatureAlgorithm: String

    public var description: String {
        "subject \(subject); issuer \(issuer); valid \(Self.format(notBefore)) – \(Self.format(notAfter))"
    }

    /// Whether `date` falls inside the validity period.
    public func isValid(at date: Date) -> Bool { notBefore <= date && date <= notAfter }

    /// The DNS names and IP addresses the certificate is for (SANs, or the subject CN without SANs).
    public var names: [String] {
        let sans = subjectAlternativeNames.compactMap { entry -> String? in
            if entry.hasPrefix("DNS:") { return String(entry.dropFirst(4)) }
            if entry.hasPrefix("IP Address:") { return String(entry.dropFirst(11)) }
            return nil
        }
        if !sans.isEmpty { return sans }
        return subject.split(separator: ",").compactMap { part in
            part.hasPrefix("CN=") ? String(part.dropFirst(3)) : nil
        }
    }

    /// ISO 8601 in UTC, the form used in every message of this module.
    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Reads the fields of `certificate` (an `X509 *`); the pointer is not retained.
    init(certificate: OpaquePointer) {
        subject = Self.name(X509_get_subject_name(certificate))
        issuer = Self.name(X509_get_issuer_name(certificate))
        notBefore = Self.date(X509_get0_notBefore(certificate))
        notAfter = Self.date(X509_get0_notAfter(certificate))
        serialNumber = Self.serial(X509_get0_serialNumber(certificate))
        subjectAlternativeNames = Self.alternativeNames(certificate)
        publicKeyAlgorithm = Self.objectName(nid: Self.publicKeyNID(certificate), long: false)
        signatureAlgorithm = Self.objectName(nid: X509_get_signature_nid(certificate), long: true)
    }

    private static func publicKeyNID(_ certificate: OpaquePointer) -> Int32 {
        guard let key = X509_get0_pubkey(certificate) else { return 0 }
        return EVP_PKEY_get_base_id(key)
    }

    private static func objectName(nid: Int32, long: Bool) -> String {
        guard nid != 0, let name = long ? OBJ_nid2ln(nid) : OBJ_nid2sn(nid) else { return "unknown" }
        return String(cString: name)
    }

    private static func name(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        return MemoryBIO.text { bio in _ = X509_NAME_print_ex(bio, name, 0, gg_xn_flags_utf8()) }
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        guard let time else { return Date(timeIntervalSince1970: 0) }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func serial(_ serial: UnsafePointer<ASN1_INTEGER>?) -> String {
        guard let serial, let number = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { return "" }
        defer { CRYPTO_free(hex, #fileID, #line) }
        return String(cString: hex)
    }

    private static func alternativeNames(_ certificate: OpaquePointer) -> [String] {
        let index = X509_get_ext_by_NID(certificate, NID_subject_alt_name, -1)
        guard index >= 0, let extensionEntry = X509_get_ext(certificate, index) else { return [] }
        let text = MemoryBIO.text { bio in _ = X509V3_EXT_print(bio, extensionEntry, 0, 0) }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A throwaway OpenSSL memory BIO for functions that print into a BIO.
enum MemoryBIO {
    /// Runs `body` with a fresh memory BIO and returns what it printed, as UTF-8.
    static func text(_ body: (OpaquePointer) -> Void) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        body(bio)
        var pointer: UnsafeMutablePointer<CChar>?
        let length = gg_bio_get_mem_data(bio, &pointer)
        guard length > 0, let pointer else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
