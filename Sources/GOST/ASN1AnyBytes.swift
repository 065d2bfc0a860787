import SwiftASN1

extension ASN1Any {
    /// The DER bytes this value stands for (identifier, length and content).
    var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        // Serialising an ASN1Any only copies bytes it already holds; it cannot fail.
        try? serializer.serialize(self)
        return serializer.serializedBytes
    }
}
