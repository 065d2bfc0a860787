import SwiftASN1

/// The parts of an X.509 certificate that CMS needs byte-exact: serial, issuer `Name`, SPKI.
///
/// ```
/// Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm, signatureValue }
/// TBSCertificate ::= SEQUENCE { version [0] EXPLICIT OPTIONAL, serialNumber INTEGER, signature,
///     issuer Name, validity, subject Name, subjectPublicKeyInfo, ... }
/// ```
/// The issuer stays `ASN1Any` so it re-encodes exactly as issued (CMS matches issuers by bytes).
struct CertificateFields: DERParseable, Sendable {
    var serialNumber: ArraySlice<UInt8>
    var issuer: ASN1Any
    var subjectPublicKeyInfo: SubjectPublicKeyInfo

    init(derEncoded rootNode: ASN1Node) throws {
        self = try DER.sequence(rootNode, identifier: .sequence) { certificate in
            guard let tbsNode = certificate.next() else {
                throw ASN1Error.invalidASN1Object(reason: "certificate without tbsCertificate")
            }
            while certificate.next() != nil {}
            return try DER.sequence(tbsNode, identifier: .sequence) { tbs in
                _ = try DER.optionalExplicitlyTagged(&tbs, tagNumber: 0, tagClass: .contextSpecific) { $0 }
                let serial = try ArraySlice<UInt8>(derEncoded: &tbs)
                _ = try AlgorithmIdentifier(derEncoded: &tbs)
                guard let issuer = tbs.next() else { throw ASN1Error.invalidASN1Object(reason: "no issuer") }
                guard tbs.next() != nil else { throw ASN1Error.invalidASN1Object(reason: "no validity") }
                guard tbs.next() != nil else { throw ASN1Error.invalidASN1Object(reason: "no subject") }
                let spki = try SubjectPublicKeyInfo(derEncoded: &tbs)
                while tbs.next() != nil {}
                return CertificateFields(serialNumber: serial, issuer: ASN1Any(derEncoded: issuer), subjectPublicKeyInfo: spki)
            }
        }
    }

    private init(serialNumber: ArraySlice<UInt8>, issuer: ASN1Any, subjectPublicKeyInfo: SubjectPublicKeyInfo) {
        self.serialNumber = serialNumber
        self.issuer = issuer
        self.subjectPublicKeyInfo = subjectPublicKeyInfo
    }
}
