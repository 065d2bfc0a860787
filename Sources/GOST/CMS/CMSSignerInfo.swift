import SwiftASN1

/// ```
/// SignerInfo ::= SEQUENCE {
///     version CMSVersion,
///     sid SignerIdentifier,
///     digestAlgorithm DigestAlgorithmIdentifier,
///     signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///     signatureAlgorithm SignatureAlgorithmIdentifier,
///     signature OCTET STRING,
///     unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
/// ```
/// (RFC 5652 §5.3). A parsed SignerInfo keeps its signed attributes byte-exact, because the signature
/// covers those bytes (re-tagged as a SET), not a re-encoding of them.
struct CMSSignerInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    static let signedAttributesTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    static let unsignedAttributesTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)

    var version: Int
    var signerIdentifier: CMSSignerIdentifier
    var digestAlgorithm: AlgorithmIdentifier
    var signedAttributes: [CMSAttribute]?
    var signatureAlgorithm: AlgorithmIdentifier
    var signature: ASN1OctetString
    var unsignedAttributes: [CMSAttribute]?
    /// The `[0]` signed attributes exactly as received; nil for a SignerInfo built here.
    private(set) var receivedSignedAttributes: ArraySlice<UInt8>?

    init(version: Int, signerIdentifier: CMSSignerIdentifier, digestAlgorithm: AlgorithmIdentifier,
         signedAttributes: [CMSAttribute]?, signatureAlgorithm: AlgorithmIdentifier, signature: ASN1OctetString,
         unsignedAttributes: [CMSAttribute]?) {
        self.version = version
        self.signerIdentifier = signerIdentifier
        self.digestAlgorithm = digestAlgorithm
        self.signedAttributes = signedAttributes
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
        self.unsignedAttributes = unsignedAttributes
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            guard let sidNode = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "SignerInfo without sid") }
            let sid = try CMSSignerIdentifier(derEncoded: sidNode)
            let digestAlgorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            var lookahead = nodes
            var signedAttributes: [CMSAttribute]?
            var received: ArraySlice<UInt8>?
            if let node = lookahead.next(), node.identifier == Self.signedAttributesTag {
                nodes = lookahead
                signedAttributes = try CMSSetOf.parse(CMSAttribute.self, node: node, identifier: Self.signedAttributesTag)
                received = node.encodedBytes
            }
            let signatureAlgorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            let signature = try ASN1OctetString(derEncoded: &nodes)
            let unsigned = try CMSSetOf.parseOptional(CMSAttribute.self, from: &nodes, identifier: Self.unsignedAttributesTag)
            var info = CMSSignerInfo(version: version, signerIdentifier: sid, digestAlgorithm: digestAlgorithm,
                                     signedAttributes: signedAttributes, signatureAlgorithm: signatureAlgorithm,
                                     signature: signature, unsignedAttributes: unsigned)
            info.receivedSignedAttributes = received
            return info
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(version)
            try coder.serialize(signerIdentifier)
            try coder.serialize(digestAlgorithm)
            if let receivedSignedAttributes {
                coder.serializeRawBytes(receivedSignedAttributes)
            } else if let signedAttributes {
                try coder.serializeSetOf(signedAttributes, identifier: Self.signedAttributesTag)
            }
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(signature)
            if let unsignedAttributes {
                try coder.serializeSetOf(unsignedAttributes, identifier: Self.unsignedAttributesTag)
            }
        }
    }

    /// The bytes the signature covers: the signed attributes DER-encoded as an explicit SET OF
    /// (tag 0x31 instead of the `[0]` tag they carry inside SignerInfo, RFC 5652 §5.4).
    func signedAttributesForSigning() throws -> [UInt8]? {
        if let receivedSignedAttributes {
            var bytes = Array(receivedSignedAttributes)
            bytes[0] = 0x31
            return bytes
        }
        guard let signedAttributes else { return nil }
        var serializer = DER.Serializer()
        try serializer.serializeSetOf(signedAttributes)
        return serializer.serializedBytes
    }

    /// The signed attribute of `type`; nil when absent. Throws when it appears more than once.
    func signedAttribute(_ type: ASN1ObjectIdentifier) throws -> CMSAttribute? {
        let matches = (signedAttributes ?? []).filter { $0.type == type }
        guard matches.count <= 1 else {
            throw ASN1Error.invalidASN1Object(reason: "signed attribute \(type) appears \(matches.count) times")
        }
        return matches.first
    }

    static func == (lhs: CMSSignerInfo, rhs: CMSSignerInfo) -> Bool {
        lhs.version == rhs.version && lhs.signerIdentifier == rhs.signerIdentifier
            && lhs.digestAlgorithm == rhs.digestAlgorithm && lhs.signedAttributes == rhs.signedAttributes
            && lhs.signatureAlgorithm == rhs.signatureAlgorithm && lhs.signature == rhs.signature
            && lhs.unsignedAttributes == rhs.unsignedAttributes
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(signerIdentifier)
        hasher.combine(signature)
    }
}
