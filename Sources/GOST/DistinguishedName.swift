import COpenSSL
import Foundation

/// A subject or issuer name to put into a certificate, attribute by attribute, in order.
///
/// Attribute types are OpenSSL short names (`CN`, `O`, `OU`, `C`, `L`, `ST`, `street`, `SN`, `GN`,
/// `title`, `emailAddress`), the Russian ones (`OGRN`, `OGRNIP`, `INN`, `INNLE`, `SNILS`) or dotted OIDs.
public struct DistinguishedName: Sendable, Hashable, CustomStringConvertible {
    /// One `type=value` pair.
    public struct Attribute: Sendable, Hashable {
        /// Short name or dotted OID.
        public let type: String
        /// The value, UTF-8.
        public let value: String

        /// `type=value`.
        public init(_ type: String, _ value: String) {
            self.type = type
            self.value = value
        }
    }

    /// The attributes in certificate order.
    public var attributes: [Attribute]

    /// A name with these attributes, in this order.
    public init(_ attributes: [Attribute]) {
        self.attributes = attributes
    }

    /// The common case: a CN, optionally an organisation, a country and Russian registration numbers.
    public init(commonName: String, organization: String? = nil, country: String? = nil,
                ogrn: String? = nil, ogrnip: String? = nil, inn: String? = nil, innle: String? = nil,
                snils: String? = nil) {
        let pairs: [(String, String?)] = [
            ("C", country), ("O", organization), ("CN", commonName),
            ("OGRN", ogrn), ("OGRNIP", ogrnip), ("INN", inn), ("INNLE", innle), ("SNILS", snils),
        ]
        attributes = pairs.compactMap { type, value in value.map { Attribute(type, $0) } }
    }

    public var description: String {
        attributes.map { "\($0.type)=\($0.value)" }.joined(separator: ", ")
    }

    private static let russianOIDs: [String: String] = [
        "OGRN": GOSTOID.ogrn, "OGRNIP": GOSTOID.ogrnip, "INN": GOSTOID.inn,
        "INNLE": GOSTOID.innle, "SNILS": GOSTOID.snils,
    ]

    /// A new OpenSSL `X509_NAME` (the caller frees it).
    func makeX509Name() throws(GOSTError) -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw .engineUnavailable("out of memory creating a name") }
        for attribute in attributes {
            let oid = Self.russianOIDs[attribute.type.uppercased()] ?? attribute.type
            // no_name = 0 accepts both short names and dotted OIDs.
            guard let object = OBJ_txt2obj(oid, 0) else {
                X509_NAME_free(name)
                throw .malformedInput("unknown name attribute type \(attribute.type)")
            }
            defer { ASN1_OBJECT_free(object) }
            let bytes = Array(attribute.value.utf8)
            guard X509_NAME_add_entry_by_OBJ(name, object, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1 else {
                X509_NAME_free(name)
                throw .malformedInput("name attribute \(attribute.type)=\(attribute.value) rejected: \(OpenSSLError.drain())")
            }
        }
        return name
    }
}
