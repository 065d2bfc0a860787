import SwiftASN1

/// `Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }` (RFC 5652 §5.3).
struct CMSAttribute: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var type: ASN1ObjectIdentifier
    var values: [ASN1Any]

    init(type: ASN1ObjectIdentifier, values: [ASN1Any]) {
        self.type = type
        self.values = values
    }

    /// An attribute with exactly one value.
    init(type: ASN1ObjectIdentifier, value: some DERSerializable) throws {
        self.init(type: type, values: [try ASN1Any(erasing: value)])
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let type = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let values = try CMSSetOf.parse(ASN1Any.self, from: &nodes, identifier: .set)
            return CMSAttribute(type: type, values: values)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(type)
            try coder.serializeSetOf(values)
        }
    }

    /// The single value; CMS signed attributes used here must have exactly one (RFC 5652 §11).
    var singleValue: ASN1Any? {
        values.count == 1 ? values[0] : nil
    }
}
