import SwiftASN1

/// Reading SET OF fields leniently: DER demands sorted members, but signers in the field do not
/// always sort, and the verifier must read what they send (the signed bytes are hashed as received).
enum CMSSetOf {
    /// The members of the SET OF node at the iterator's position, which must carry `identifier`.
    static func parse<T: DERParseable>(_ type: T.Type, from nodes: inout ASN1NodeCollection.Iterator,
                                       identifier: ASN1Identifier) throws -> [T] {
        guard let node = nodes.next() else {
            throw ASN1Error.invalidASN1Object(reason: "missing SET OF \(T.self)")
        }
        return try parse(type, node: node, identifier: identifier)
    }

    /// Like `parse`, but nil when the next node does not carry `identifier`.
    static func parseOptional<T: DERParseable>(_ type: T.Type, from nodes: inout ASN1NodeCollection.Iterator,
                                               identifier: ASN1Identifier) throws -> [T]? {
        var lookahead = nodes
        guard let node = lookahead.next(), node.identifier == identifier else { return nil }
        nodes = lookahead
        return try parse(type, node: node, identifier: identifier)
    }

    static func parse<T: DERParseable>(_ type: T.Type, node: ASN1Node, identifier: ASN1Identifier) throws -> [T] {
        guard node.identifier == identifier, case .constructed(let children) = node.content else {
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
        return try children.map { try T(derEncoded: $0) }
    }
}
