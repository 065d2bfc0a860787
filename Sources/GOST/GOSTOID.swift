import SwiftASN1

/// Object identifiers this module speaks, in dotted form (research/gost-token.md §9.1).
public enum GOSTOID {
    /// id-tc26-gost3410-12-256: GOST R 34.10-2012 public key, 256 bits (also OpenSSL's CMS signatureAlgorithm).
    public static let publicKey256 = "1.2.643.7.1.1.1.1"
    /// id-tc26-gost3410-12-512: GOST R 34.10-2012 public key, 512 bits.
    public static let publicKey512 = "1.2.643.7.1.1.1.2"
    /// id-tc26-gost3411-12-256: Streebog-256.
    public static let streebog256 = "1.2.643.7.1.1.2.2"
    /// id-tc26-gost3411-12-512: Streebog-512.
    public static let streebog512 = "1.2.643.7.1.1.2.3"
    /// id-tc26-signwithdigest-gost3410-12-256 (X.509 signatureAlgorithm).
    public static let signWithDigest256 = "1.2.643.7.1.1.3.2"
    /// id-tc26-signwithdigest-gost3410-12-512.
    public static let signWithDigest512 = "1.2.643.7.1.1.3.3"
    /// ОГРН, the primary state registration number of an organisation.
    public static let ogrn = "1.2.643.100.1"
    /// ОГРНИП, the registration number of an individual entrepreneur.
    public static let ogrnip = "1.2.643.100.5"
    /// ИНН of a person (12 digits, or 10 in older certificates of organisations).
    public static let inn = "1.2.643.3.131.1.1"
    /// ИНН ЮЛ, the taxpayer number of an organisation (10 digits).
    public static let innle = "1.2.643.100.4"
    /// СНИЛС, the personal insurance account number.
    public static let snils = "1.2.643.100.3"
}

extension ASN1ObjectIdentifier {
    static let gostPublicKey256: ASN1ObjectIdentifier = [1, 2, 643, 7, 1, 1, 1, 1]
    static let gostPublicKey512: ASN1ObjectIdentifier = [1, 2, 643, 7, 1, 1, 1, 2]
    static let streebog256: ASN1ObjectIdentifier = [1, 2, 643, 7, 1, 1, 2, 2]
    static let streebog512: ASN1ObjectIdentifier = [1, 2, 643, 7, 1, 1, 2, 3]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]

    static let cmsData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]
    static let cmsSignedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    static let contentTypeAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 3]
    static let messageDigestAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
    static let signingTimeAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 5]
    static let signingCertificateV2Attribute: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 47]
}
