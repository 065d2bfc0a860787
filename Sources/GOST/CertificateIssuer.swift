import COpenSSL
import Foundation

/// Issues X.509 v3 certificates with GOST keys through OpenSSL: a self-signed test CA, and leaf
/// certificates for TLS servers, TLS clients and signers signed by that CA.
///
/// For stands, tests and `gosgate-stand init`; real certificates come from an accredited CA.
public struct CertificateIssuer: Sendable {
    /// What a leaf certificate is for.
    public struct LeafProfile: Sendable, Hashable {
        /// keyUsage values in OpenSSL's spelling (`digitalSignature`, `nonRepudiation`, `keyEncipherment`,
        /// `keyAgreement`...).
        public var keyUsage: [String]
        /// extendedKeyUsage values in OpenSSL's spelling (`serverAuth`, `clientAuth`, `emailProtection`...).
        public var extendedKeyUsage: [String]
        /// subjectAltName DNS names.
        public var dnsNames: [String]
        /// subjectAltName IP addresses (v4 or v6 text).
        public var ipAddresses: [String]

        /// A profile with exactly these extensions.
        public init(keyUsage: [String], extendedKeyUsage: [String] = [], dnsNames: [String] = [], ipAddresses: [String] = []) {
            self.keyUsage = keyUsage
            self.extendedKeyUsage = extendedKeyUsage
            self.dnsNames = dnsNames
            self.ipAddresses = ipAddresses
        }

        /// A TLS server certificate for `dnsNames` and `ipAddresses`.
        public static func tlsServer(dnsNames: [String], ipAddresses: [String] = []) -> LeafProfile {
            LeafProfile(keyUsage: ["digitalSignature", "keyEncipherment", "keyAgreement"],
                        extendedKeyUsage: ["serverAuth"], dnsNames: dnsNames, ipAddresses: ipAddresses)
        }

        /// A TLS client certificate.
        public static let tlsClient = LeafProfile(keyUsage: ["digitalSignature", "keyEncipherment", "keyAgreement"],
                                                  extendedKeyUsage: ["clientAuth"])

        /// A document/request signing certificate (what ESIA's API-KEY and OAuth flows use).
        public static let signer = LeafProfile(keyUsage: ["digitalSignature", "nonRepudiation"],
                                               extendedKeyUsage: ["clientAuth", "emailProtection"])
    }

    /// The CA's key.
    public let key: GOSTPrivateKey
    /// The CA's certificate.
    public let certificate: GOSTCertificate

    /// An issuer from an existing CA key and certificate.
    /// - Throws: `.certificateRejected` when they do not match.
    public init(key: GOSTPrivateKey, certificate: GOSTCertificate) throws(GOSTError) {
        guard try certificate.publicKey == key.publicKey else {
            throw .certificateRejected("the CA key does not match the CA certificate \(certificate.subject)")
        }
        self.key = key
        self.certificate = certificate
    }

    /// Makes a self-signed CA certificate for `key`.
    public static func makeCA(subject: DistinguishedName, key: GOSTPrivateKey, notBefore: Date = Date(),
                              notAfter: Date = Date(timeIntervalSinceNow: 10 * 365 * 86_400)) throws(GOSTError) -> CertificateIssuer {
        let extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:TRUE"),
            (NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        let certificate = try build(subject: subject, publicKey: key.publicKey, issuerName: nil, issuerCertificate: nil,
                                    signingKey: key, notBefore: notBefore, notAfter: notAfter, extensions: extensions)
        return try CertificateIssuer(key: key, certificate: certificate)
    }

    /// Issues a leaf certificate for `publicKey`, signed by this CA.
    public func issue(subject: DistinguishedName, publicKey: GOSTPublicKey, profile: LeafProfile,
                      notBefore: Date = Date(), notAfter: Date = Date(timeIntervalSinceNow: 365 * 86_400)) throws(GOSTError) -> GOSTCertificate {
        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        if !profile.keyUsage.isEmpty {
            extensions.append((NID_key_usage, "critical," + profile.keyUsage.joined(separator: ",")))
        }
        if !profile.extendedKeyUsage.isEmpty {
            extensions.append((NID_ext_key_usage, profile.extendedKeyUsage.joined(separator: ",")))
        }
        let alternativeNames = profile.dnsNames.map { "DNS:\($0)" } + profile.ipAddresses.map { "IP:\($0)" }
        if !alternativeNames.isEmpty {
            extensions.append((NID_subject_alt_name, alternativeNames.joined(separator: ",")))
        }
        return try certificate.withUnsafeX509 { caCertificate throws(GOSTError) -> GOSTCertificate in
            try Self.build(subject: subject, publicKey: publicKey, issuerName: X509_get_subject_name(caCertificate),
                           issuerCertificate: caCertificate, signingKey: key, notBefore: notBefore, notAfter: notAfter,
                           extensions: extensions)
        }
    }

    /// Builds and signs one certificate; a nil issuer makes it self-signed.
    private static func build(subject: DistinguishedName, publicKey: GOSTPublicKey, issuerName: OpaquePointer?,
                              issuerCertificate: OpaquePointer?, signingKey: GOSTPrivateKey, notBefore: Date,
                              notAfter: Date, extensions: [(Int32, String)]) throws(GOSTError) -> GOSTCertificate {
        try GOSTEngine.ensureLoaded()
        guard notBefore < notAfter else {
            throw .malformedInput("notBefore \(GOSTCertificate.timestamp(notBefore)) is not before notAfter \(GOSTCertificate.timestamp(notAfter))")
        }
        guard let x509 = X509_new() else { throw .engineUnavailable("out of memory creating a certificate") }
        var handed = false
        defer { if !handed { X509_free(x509) } }

        let subjectName = try subject.makeX509Name()
        defer { X509_NAME_free(subjectName) }
        guard X509_set_version(x509, 2) == 1,
              X509_set_subject_name(x509, subjectName) == 1,
              X509_set_issuer_name(x509, issuerName ?? subjectName) == 1,
              publicKey.withUnsafeEVPKey({ X509_set_pubkey(x509, $0) }) == 1,
              ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore.timeIntervalSince1970)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter.timeIntervalSince1970)) != nil else {
            throw .signingFailed("cannot fill in the certificate: \(OpenSSLError.drain())")
        }
        try setRandomSerial(x509)

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuerCertificate ?? x509, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw .malformedInput("certificate extension \(String(cString: OBJ_nid2sn(nid))) = \(value) rejected: \(OpenSSLError.drain())")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else {
                throw .signingFailed("cannot add extension: \(OpenSSLError.drain())")
            }
        }

        let digest = try Streebog.messageDigest(signingKey.keySize.digest)
        guard signingKey.withUnsafeEVPKey({ X509_sign(x509, $0, digest) }) > 0 else {
            throw .signingFailed("OpenSSL could not sign the certificate: \(OpenSSLError.drain())")
        }
        handed = true
        return try GOSTCertificate(taking: x509)
    }

    /// A random positive 127-bit serial number (RFC 5280 allows up to 20 octets).
    private static func setRandomSerial(_ x509: OpaquePointer) throws(GOSTError) {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else {
            throw .signingFailed("no randomness for a serial number: \(OpenSSLError.drain())")
        }
        bytes[0] = (bytes[0] & 0x7F) | 0x40
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
            throw .engineUnavailable("out of memory creating a serial number")
        }
        defer { BN_free(number) }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x509)) != nil else {
            throw .signingFailed("cannot set the serial number: \(OpenSSLError.drain())")
        }
    }
}
