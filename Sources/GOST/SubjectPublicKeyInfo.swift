import SwiftASN1

/// X.509 SubjectPublicKeyInfo with the GOST R 34.10-2012 parameters pulled out.
///
/// ```
/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
/// GostR3410-2012-PublicKeyParameters ::= SEQUENCE {
///     publicKeyParamSet OBJECT IDENTIFIER, digestParamSet OBJECT IDENTIFIER OPTIONAL }
/// ```
/// For GOST keys the BIT STRING holds an OCTET STRING with `X_le‖Y_le` (RFC 9215 §4.3).
struct SubjectPublicKeyInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var algorithm: AlgorithmIdentifier
    var subjectPublicKey: ASN1BitString

    init(algorithm: AlgorithmIdentifier, subjectPublicKey: ASN1BitString) {
        self.algorithm = algorithm
        self.subjectPublicKey = subjectPublicKey
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let algorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            let key = try ASN1BitString(derEncoded: &nodes)
            return SubjectPublicKeyInfo(algorithm: algorithm, subjectPublicKey: key)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(algorithm)
            try coder.serialize(subjectPublicKey)
        }
    }

    /// The GOST curve OID from the algorithm parameters, if they are the GOST parameter SEQUENCE.
    var gostParameterSetOID: ASN1ObjectIdentifier? {
        guard let parameters = algorithm.parameters,
              let gost = try? GOSTPublicKeyParameters(asn1Any: parameters) else { return nil }
        return gost.publicKeyParamSet
    }

    /// The raw point `X_le‖Y_le` of a GOST key (the OCTET STRING inside the BIT STRING).
    var gostPointOctets: [UInt8]? {
        guard let octets = try? ASN1OctetString(derEncoded: subjectPublicKey.bytes) else { return nil }
        return Array(octets.bytes)
    }
}

/// `GostR3410-2012-PublicKeyParameters` (RFC 9215 §4.2).
struct GOSTPublicKeyParameters: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var publicKeyParamSet: ASN1ObjectIdentifier
    var digestParamSet: ASN1ObjectIdentifier?

    init(publicKeyParamSet: ASN1ObjectIdentifier, digestParamSet: ASN1ObjectIdentifier?) {
        self.publicKeyParamSet = publicKeyParamSet
        self.digestParamSet = digestParamSet
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let paramSet = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let digest = try DER.optionalImplicitlyTagged(&nodes, tag: ASN1ObjectIdentifier.defaultIdentifier)
                as ASN1ObjectIdentifier?
            // The 2001-era encryptionParamSet may follow; it carries nothing a signature needs.
            while nodes.next() != nil {}
            return GOSTPublicKeyParameters(publicKeyParamSet: paramSet, digestParamSet: digest)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(publicKeyParamSet)
            if let digestParamSet { try coder.serialize(digestParamSet) }
        }
    }
}
