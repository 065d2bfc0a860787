import SwiftASN1

/// ```
/// SignedData ::= SEQUENCE {
///     version CMSVersion,
///     digestAlgorithms SET OF DigestAlgorithmIdentifier,
///     encapContentInfo EncapsulatedContentInfo,
///     certificates [0] IMPLICIT CertificateSet OPTIONAL,
///     crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///     signerInfos SET OF SignerInfo }
/// ```
/// (RFC 5652 §5.1). Certificates and CRLs stay raw DER: OpenSSL parses certificates.
struct CMSSignedData: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    static let certificatesTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    static let crlsTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)

    var version: Int
    var digestAlgorithms: [AlgorithmIdentifier]
    var encapContentInfo: CMSEncapsulatedContentInfo
    var certificates: [ASN1Any]?
    var crls: [ASN1Any]?
    var signerInfos: [CMSSignerInfo]

    init(version: Int, digestAlgorithms: [AlgorithmIdentifier], encapContentInfo: CMSEncapsulatedContentInfo,
         certificates: [ASN1Any]?, crls: [ASN1Any]?, signerInfos: [CMSSignerInfo]) {
        self.version = version
        self.digestAlgorithms = digestAlgorithms
        self.encapContentInfo = encapContentInfo
        self.certificates = certificates
        self.crls = crls
        self.signerInfos = signerInfos
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            let digestAlgorithms = try CMSSetOf.parse(AlgorithmIdentifier.self, from: &nodes, identifier: .set)
            let encapContentInfo = try CMSEncapsulatedContentInfo(derEncoded: &nodes)
            let certificates = try CMSSetOf.parseOptional(ASN1Any.self, from: &nodes, identifier: Self.certificatesTag)
            let crls = try CMSSetOf.parseOptional(ASN1Any.self, from: &nodes, identifier: Self.crlsTag)
            let signerInfos = try CMSSetOf.parse(CMSSignerInfo.self, from: &nodes, identifier: .set)
            return CMSSignedData(version: version, digestAlgorithms: digestAlgorithms,
                                 encapContentInfo: encapContentInfo, certificates: certificates, crls: crls,
                                 signerInfos: signerInfos)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(version)
            try coder.serializeSetOf(digestAlgorithms)
            try coder.serialize(encapContentInfo)
            if let certificates { try coder.serializeSetOf(certificates, identifier: Self.certificatesTag) }
            if let crls { try coder.serializeSetOf(crls, identifier: Self.crlsTag) }
            try coder.serializeSetOf(signerInfos)
        }
    }
}
