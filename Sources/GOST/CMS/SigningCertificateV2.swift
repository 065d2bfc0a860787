import SwiftASN1

/// ```
/// SigningCertificateV2 ::= SEQUENCE {
///     certs SEQUENCE OF ESSCertIDv2,
///     policies SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
/// (RFC 5035 §3); the CAdES-BES signed attribute 1.2.840.113549.1.9.16.2.47 that binds the signature
/// to one signer certificate.
struct SigningCertificateV2: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var certificates: [ESSCertIDv2]
    var policies: ASN1Any?

    init(certificates: [ESSCertIDv2], policies: ASN1Any?) {
        self.certificates = certificates
        self.policies = policies
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let certificates = try DER.sequence(of: ESSCertIDv2.self, identifier: .sequence, nodes: &nodes)
            let policies = nodes.next().map { ASN1Any(derEncoded: $0) }
            return SigningCertificateV2(certificates: certificates, policies: policies)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serializeSequenceOf(certificates)
            if let policies { try coder.serialize(policies) }
        }
    }
}
