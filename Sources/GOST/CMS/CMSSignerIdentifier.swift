import SwiftASN1

/// `SignerIdentifier ::= CHOICE { issuerAndSerialNumber IssuerAndSerialNumber,
///     subjectKeyIdentifier [0] SubjectKeyIdentifier }` (RFC 5652 §5.3).
enum CMSSignerIdentifier: DERParseable, DERSerializable, Hashable, Sendable {
    static let subjectKeyIdentifierTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)

    case issuerAndSerialNumber(CMSIssuerAndSerialNumber)
    case subjectKeyIdentifier(ASN1OctetString)

    init(derEncoded node: ASN1Node) throws {
        switch node.identifier {
        case CMSIssuerAndSerialNumber.defaultIdentifier:
            self = .issuerAndSerialNumber(try CMSIssuerAndSerialNumber(derEncoded: node))
        case Self.subjectKeyIdentifierTag:
            self = .subjectKeyIdentifier(try ASN1OctetString(derEncoded: node, withIdentifier: Self.subjectKeyIdentifierTag))
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .issuerAndSerialNumber(let value): try coder.serialize(value)
        case .subjectKeyIdentifier(let value): try value.serialize(into: &coder, withIdentifier: Self.subjectKeyIdentifierTag)
        }
    }
}
