import SwiftASN1

/// `IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }` (RFC 5652 §10.2.4).
/// The issuer stays raw DER so it compares byte-for-byte with the certificate's.
struct CMSIssuerAndSerialNumber: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var issuer: ASN1Any
    var serialNumber: ArraySlice<UInt8>

    init(issuer: ASN1Any, serialNumber: ArraySlice<UInt8>) {
        self.issuer = issuer
        self.serialNumber = serialNumber
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            guard let issuer = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no issuer") }
            let serial = try ArraySlice<UInt8>(derEncoded: &nodes)
            return CMSIssuerAndSerialNumber(issuer: ASN1Any(derEncoded: issuer), serialNumber: serial)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(issuer)
            try coder.serialize(serialNumber)
        }
    }
}
