import SwiftASN1

/// ```
/// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
/// GeneralNames ::= SEQUENCE OF GeneralName     -- here one directoryName [4] EXPLICIT Name
/// ```
/// (RFC 5035 §4, RFC 5280 §4.2.1.6). Names stay raw DER for byte comparison with the certificate.
struct ESSIssuerSerial: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    static let directoryNameTag = ASN1Identifier(tagWithNumber: 4, tagClass: .contextSpecific)

    var generalNames: [ASN1Any]
    var serialNumber: ArraySlice<UInt8>

    init(generalNames: [ASN1Any], serialNumber: ArraySlice<UInt8>) {
        self.generalNames = generalNames
        self.serialNumber = serialNumber
    }

    /// The IssuerSerial naming `issuer` (a DER `Name`) as a single directoryName.
    init(issuerName: ASN1Any, serialNumber: ArraySlice<UInt8>) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(issuerName, explicitlyTaggedWithIdentifier: Self.directoryNameTag)
        self.init(generalNames: [try ASN1Any(derEncoded: serializer.serializedBytes)], serialNumber: serialNumber)
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let names = try DER.sequence(of: ASN1Any.self, identifier: .sequence, nodes: &nodes)
            let serial = try ArraySlice<UInt8>(derEncoded: &nodes)
            // issuerUID (a BIT STRING) may follow; it plays no part in matching here.
            while nodes.next() != nil {}
            return ESSIssuerSerial(generalNames: names, serialNumber: serial)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serializeSequenceOf(generalNames)
            try coder.serialize(serialNumber)
        }
    }

    /// The `Name`s inside directoryName entries, as DER.
    var directoryNames: [ASN1Any] {
        generalNames.compactMap { name in
            guard let node = try? DER.parse(name.derBytes) else { return nil }
            return try? DER.explicitlyTagged(node, tagNumber: 4, tagClass: .contextSpecific) { ASN1Any(derEncoded: $0) }
        }
    }
}
