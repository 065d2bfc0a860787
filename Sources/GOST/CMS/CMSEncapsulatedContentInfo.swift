import SwiftASN1

/// `EncapsulatedContentInfo ::= SEQUENCE { eContentType OBJECT IDENTIFIER, eContent [0] EXPLICIT OCTET STRING OPTIONAL }`;
/// a detached signature leaves `eContent` out (RFC 5652 §5.2).
struct CMSEncapsulatedContentInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var eContentType: ASN1ObjectIdentifier
    var eContent: ASN1OctetString?

    init(eContentType: ASN1ObjectIdentifier, eContent: ASN1OctetString?) {
        self.eContentType = eContentType
        self.eContent = eContent
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let type = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let content = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try ASN1OctetString(derEncoded: $0)
            }
            return CMSEncapsulatedContentInfo(eContentType: type, eContent: content)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(eContentType)
            if let eContent { try coder.serialize(eContent, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) }
        }
    }
}
