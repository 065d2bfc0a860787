import COpenSSL
import Foundation
import SwiftASN1

/// An X.509 certificate, read with OpenSSL, with the details a GOST/ESIA user looks at.
///
/// Any certificate loads (so tools can say what they were given); `publicKey` and `requireGOST()`
/// reject the ones without a GOST R 34.10-2012 key.
public struct GOSTCertificate: Sendable, Hashable, CustomStringConvertible {
    /// The certificate's public-key algorithm.
    public enum KeyAlgorithm: Sendable, Hashable, CustomStringConvertible {
        /// GOST R 34.10-2012 with its size and curve.
        case gost(GOSTKeySize, GOSTParameterSet)
        /// Anything else (RSA, EC...): OpenSSL's name, the OID and the size in bits (0 if unknown).
        case other(name: String, oid: String, bits: Int)

        public var description: String {
            switch self {
            case .gost(let size, let parameterSet): return "\(size), \(parameterSet)"
            case .other(let name, let oid, let bits): return bits > 0 ? "\(name) \(bits) bits (\(oid))" : "\(name) (\(oid))"
            }
        }
    }

    /// One attribute of a subject or issuer name.
    public struct NameAttribute: Sendable, Hashable {
        /// Dotted OID of the attribute type.
        public let oid: String
        /// Short name (`CN`, `O`, `OGRN`, `INN`...), or the OID when there is none.
        public let name: String
        /// The value as UTF-8 text.
        public let value: String
    }

    /// DER encoding, as issued.
    public let der: Data
    /// Subject as `CN=…, O=…` in certificate order, UTF-8 (Cyrillic intact).
    public let subject: String
    /// Issuer, formatted like `subject`.
    public let issuer: String
    /// Subject attributes in certificate order.
    public let subjectAttributes: [NameAttribute]
    /// Issuer attributes in certificate order.
    public let issuerAttributes: [NameAttribute]
    /// Serial number, uppercase hex as `openssl x509 -serial` prints it.
    public let serialNumber: String
    /// Start of the validity period.
    public let notBefore: Date
    /// End of the validity period.
    public let notAfter: Date
    /// Public-key algorithm, size and curve.
    public let keyAlgorithm: KeyAlgorithm
    /// ESIA's `client_certificate_hash`: uppercase hex of Streebog-256 over `der`.
    public let clientCertificateHash: String

    let handle: X509Handle
    let fields: CertificateFields
    private let gostPublicKey: GOSTPublicKey?

    /// Parses one DER certificate.
    public init(der: Data) throws(GOSTError) {
        try GOSTEngine.ensureLoaded()
        let bytes = [UInt8](der)
        let x509: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let x509 else {
            throw .malformedInput("not a DER X.509 certificate (\(OpenSSLError.drain()))")
        }
        try self.init(taking: x509)
    }

    /// Parses a certificate from PEM text (the first `CERTIFICATE` block of a bundle) or DER bytes.
    public init(data: Data) throws(GOSTError) {
        guard Self.looksLikePEM(data) else {
            try self.init(der: data)
            return
        }
        guard let first = try Self.all(pem: data).first else {
            throw .malformedInput("no -----BEGIN CERTIFICATE----- block found")
        }
        self = first
    }

    /// Parses PEM text (the first certificate of a bundle).
    public init(pem: String) throws(GOSTError) {
        try self.init(data: Data(pem.utf8))
    }

    /// Reads a PEM or DER certificate file (the first certificate of a bundle).
    public init(contentsOfFile path: String) throws(GOSTError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io("cannot read certificate \(path): \(error.localizedDescription)")
        }
        do {
            try self.init(data: data)
        } catch {
            if case .malformedInput(let why) = error { throw .malformedInput("\(path): \(why)") }
            throw error
        }
    }

    /// Every certificate in a PEM bundle, in order.
    public static func all(pem data: Data) throws(GOSTError) -> [GOSTCertificate] {
        try GOSTEngine.ensureLoaded()
        return try MemoryBIO.reading(data) { bio throws(GOSTError) -> [GOSTCertificate] in
            var certificates: [GOSTCertificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, { _, _, _, _ in 0 }, nil) {
                certificates.append(try GOSTCertificate(taking: x509))
            }
            // The loop ends with "no start line" at the end of the input; anything else is damage.
            let reason = OpenSSLError.drain()
            if certificates.isEmpty {
                throw .malformedInput("no readable PEM certificate (\(reason))")
            }
            return certificates
        }
    }

    /// Takes ownership of `x509`.
    init(taking x509: OpaquePointer) throws(GOSTError) {
        handle = X509Handle(taking: x509)
        der = try MemoryBIO.derEncode("certificate") { i2d_X509(x509, $0) }
        do {
            fields = try CertificateFields(derEncoded: [UInt8](der))
        } catch {
            throw .malformedInput("certificate structure not understood: \(error)")
        }
        subjectAttributes = Self.attributes(of: X509_get_subject_name(x509))
        issuerAttributes = Self.attributes(of: X509_get_issuer_name(x509))
        subject = Self.format(subjectAttributes)
        issuer = Self.format(issuerAttributes)
        serialNumber = fields.serialNumber.drop { $0 == 0 }.hexString
        guard let start = Self.date(X509_get0_notBefore(x509)), let end = Self.date(X509_get0_notAfter(x509)) else {
            throw .malformedInput("certificate \(subject) has an unreadable validity period")
        }
        notBefore = start
        notAfter = end
        clientCertificateHash = try Streebog.hash256(der).hexString

        let spki = fields.subjectPublicKeyInfo
        let algorithmOID = spki.algorithm.algorithm
        if algorithmOID == .gostPublicKey256 || algorithmOID == .gostPublicKey512 {
            let key: GOSTPublicKey
            do {
                var serializer = DER.Serializer()
                try serializer.serialize(spki)
                key = try GOSTPublicKey(subjectPublicKeyInfoDER: Data(serializer.serializedBytes))
            } catch let error as GOSTError {
                throw error
            } catch {
                throw .malformedInput("certificate \(subject) has an unreadable GOST public key: \(error)")
            }
            gostPublicKey = key
            keyAlgorithm = .gost(key.keySize, key.parameterSet)
        } else {
            gostPublicKey = nil
            let pkey = X509_get0_pubkey(x509)
            OpenSSLError.clear()
            let name = pkey.flatMap { EVP_PKEY_get0_type_name($0) }.map { String(cString: $0) } ?? "unknown key"
            keyAlgorithm = .other(name: name, oid: algorithmOID.description, bits: pkey.map { Int(EVP_PKEY_get_bits($0)) } ?? 0)
        }
    }

    /// The GOST public key.
    /// - Throws: `.certificateRejected` when the certificate has another kind of key.
    public var publicKey: GOSTPublicKey {
        get throws(GOSTError) {
            guard let gostPublicKey else {
                throw .certificateRejected("certificate \(subject) has a \(keyAlgorithm) key; a GOST R 34.10-2012 certificate is required")
            }
            return gostPublicKey
        }
    }

    /// Throws unless the certificate holds a GOST R 34.10-2012 key; returns its size.
    @discardableResult
    public func requireGOST() throws(GOSTError) -> GOSTKeySize {
        try publicKey.keySize
    }

    /// Key size, when the key is GOST.
    public var keySize: GOSTKeySize? { gostPublicKey?.keySize }

    /// Curve, when the key is GOST.
    public var parameterSet: GOSTParameterSet? { gostPublicKey?.parameterSet }

    /// Dotted OID of the public-key algorithm.
    public var keyAlgorithmOID: String { fields.subjectPublicKeyInfo.algorithm.algorithm.description }

    /// PEM `CERTIFICATE` text.
    public var pem: String { PEMDocument(type: "CERTIFICATE", derBytes: [UInt8](der)).pemString }

    /// ОГРН of the organisation (1.2.643.100.1), if present.
    public var ogrn: String? { subjectValue(GOSTOID.ogrn) }
    /// ОГРНИП of an individual entrepreneur (1.2.643.100.5), if present.
    public var ogrnip: String? { subjectValue(GOSTOID.ogrnip) }
    /// ИНН (1.2.643.3.131.1.1), if present.
    public var inn: String? { subjectValue(GOSTOID.inn) }
    /// ИНН ЮЛ (1.2.643.100.4), if present.
    public var innle: String? { subjectValue(GOSTOID.innle) }
    /// СНИЛС (1.2.643.100.3), if present.
    public var snils: String? { subjectValue(GOSTOID.snils) }
    /// The subject's common name (CN), if present.
    public var commonName: String? { subjectValue("2.5.4.3") }

    /// The first subject attribute with `oid`.
    public func subjectValue(_ oid: String) -> String? {
        subjectAttributes.first { $0.oid == oid }?.value
    }

    /// Whether `date` is inside the validity period.
    public func isValid(at date: Date = Date()) -> Bool {
        date >= notBefore && date <= notAfter
    }

    /// Throws `.certificateRejected` saying "expired on …" or "not valid before …" when `date` is outside
    /// the validity period.
    public func checkValidity(at date: Date = Date()) throws(GOSTError) {
        if date > notAfter {
            throw .certificateRejected("certificate \(subject) expired on \(Self.timestamp(notAfter)); renew it")
        }
        if date < notBefore {
            throw .certificateRejected("certificate \(subject) is not valid before \(Self.timestamp(notBefore)); check the clock or wait")
        }
    }

    /// Runs `body` with the OpenSSL `X509 *` (for the TLS module); do not free or keep it.
    public func withUnsafeX509<R, E: Error>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
        try body(handle.x509)
    }

    public var description: String { "\(subject) (serial \(serialNumber), issuer \(issuer))" }

    public static func == (lhs: GOSTCertificate, rhs: GOSTCertificate) -> Bool { lhs.der == rhs.der }

    public func hash(into hasher: inout Hasher) { hasher.combine(der) }

    /// `2025-01-31 12:00:00 UTC`, the format of every date in messages.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    static func looksLikePEM(_ data: Data) -> Bool {
        data.prefix(4096).range(of: Data("-----BEGIN".utf8)) != nil
    }

    private static let shortNames: [String: String] = [
        GOSTOID.ogrn: "OGRN", GOSTOID.ogrnip: "OGRNIP", GOSTOID.inn: "INN",
        GOSTOID.innle: "INNLE", GOSTOID.snils: "SNILS",
    ]

    private static func attributes(of name: OpaquePointer?) -> [NameAttribute] {
        guard let name else { return [] }
        return (0..<X509_NAME_entry_count(name)).compactMap { index in
            guard let entry = X509_NAME_get_entry(name, index),
                  let object = X509_NAME_ENTRY_get_object(entry),
                  let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
            var buffer = [CChar](repeating: 0, count: 128)
            OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
            let oid = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let nid = OBJ_obj2nid(object)
            let shortName = shortNames[oid] ?? (nid != NID_undef ? OBJ_nid2sn(nid).map { String(cString: $0) } : nil) ?? oid
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            defer { if let utf8 { CRYPTO_free(utf8, #fileID, #line) } }
            let value = length >= 0 && utf8 != nil
                ? String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
                : "<unreadable>"
            return NameAttribute(oid: oid, name: shortName, value: value)
        }
    }

    /// RFC 4514-style text in certificate order, with the special characters escaped.
    private static func format(_ attributes: [NameAttribute]) -> String {
        attributes.map { attribute in
            var escaped = ""
            for character in attribute.value {
                if ",+\"\\<>;=".contains(character) { escaped.append("\\") }
                escaped.append(character)
            }
            return "\(attribute.name)=\(escaped)"
        }.joined(separator: ", ")
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
