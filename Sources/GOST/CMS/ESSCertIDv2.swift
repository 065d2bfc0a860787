import SwiftASN1

/// ```
/// ESSCertIDv2 ::= SEQUENCE {
///     hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///     certHash OCTET STRING,
///     issuerSerial IssuerSerial OPTIONAL }
/// ```
/// (RFC 5035 §4). For GOST the hash is Streebog-256 of the certificate DER, so `hashAlgorithm` is present.
struct ESSCertIDv2: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The DEFAULT value; DER leaves it out when it is the default.
    static let defaultHashAlgorithm = AlgorithmIdentifier(algorithm: .sha256, parameters: nil)

    var hashAlgorithm: AlgorithmIdentifier
    var certificateHash: ASN1OctetString
    var issuerSerial: ESSIssuerSerial?

    init(hashAlgorithm: AlgorithmIdentifier, certificateHash: ASN1OctetString, issuerSerial: ESSIssuerSerial?) {
        self.hashAlgorithm = hashAlgorithm
        self.certificateHash = certificateHash
        self.issuerSerial = issuerSerial
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let algorithm = try DER.optionalImplicitlyTagged(&nodes, tag: AlgorithmIdentifier.defaultIdentifier)
                as AlgorithmIdentifier?
            let hash = try ASN1OctetString(derEncoded: &nodes)
            let issuerSerial = try DER.optionalImplicitlyTagged(&nodes, tag: ESSIssuerSerial.defaultIdentifier)
                as ESSIssuerSerial?
            return ESSCertIDv2(hashAlgorithm: algorithm ?? Self.defaultHashAlgorithm, certificateHash: hash,
                               issuerSerial: issuerSerial)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if hashAlgorithm.algorithm != Self.defaultHashAlgorithm.algorithm { try coder.serialize(hashAlgorithm) }
            try coder.serialize(certificateHash)
            if let issuerSerial { try coder.serialize(issuerSerial) }
        }
    }
}
