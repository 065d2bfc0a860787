import Foundation
import SwiftASN1

/// Reads signatures the way people hand them over: binary DER, PEM, or base64/base64url text
/// (as cut from an ESIA URL or form field).
public enum SignatureEncoding {
    /// DER bytes of a CMS signature given as DER, BER with indefinite lengths (`openssl cms -stream`),
    /// PEM (`CMS`, `PKCS7`, `SIGNED DATA`...) or base64(url) text.
    public static func cmsDER(from input: Data) throws(GOSTError) -> Data {
        try definiteLengths(binary(from: input))
    }

    private static func binary(from input: Data) throws(GOSTError) -> Data {
        if input.first == 0x30 { return input }
        let text = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN") {
            do {
                return Data(try PEMDocument(pemString: text).derBytes)
            } catch {
                throw .malformedInput("PEM signature could not be read: \(error)")
            }
        }
        let decoded = try Base64URL.decode(text)
        guard decoded.first == 0x30 else {
            throw .malformedInput("the signature is neither DER, PEM nor base64url of a CMS structure")
        }
        return decoded
    }

    /// Rewrites BER as DER where it matters — indefinite lengths become definite, constructed
    /// (chunked) OCTET STRINGs become primitive — leaving every other byte as it was, so the parser
    /// and the signed-attribute bytes work on streamed CMS too. Input that is already DER, or not
    /// ASN.1 at all, passes through for the parser to judge.
    private static func definiteLengths(_ bytes: Data) -> Data {
        let array = [UInt8](bytes)
        if (try? DER.parse(array)) != nil { return bytes }
        guard let node = try? BER.parse(array) else { return bytes }
        var serializer = DER.Serializer()
        appendDefinite(node, to: &serializer)
        return Data(serializer.serializedBytes)
    }

    private static func appendDefinite(_ node: ASN1Node, to serializer: inout DER.Serializer) {
        switch node.content {
        case .primitive:
            serializer.serialize(node)
        case .constructed(let children) where node.identifier == .octetString:
            var content: [UInt8] = []
            collectOctets(children, into: &content)
            serializer.appendPrimitiveNode(identifier: .octetString) { $0.append(contentsOf: content) }
        case .constructed(let children):
            serializer.appendConstructedNode(identifier: node.identifier) { inner in
                for child in children { appendDefinite(child, to: &inner) }
            }
        }
    }

    private static func collectOctets(_ nodes: ASN1NodeCollection, into content: inout [UInt8]) {
        for node in nodes {
            switch node.content {
            case .primitive(let bytes): content.append(contentsOf: bytes)
            case .constructed(let children): collectOctets(children, into: &content)
            }
        }
    }

    /// A raw `s‖r` signature of `byteCount` bytes given as binary, base64(url) text or hex text.
    public static func rawSignature(from input: Data, byteCount: Int) throws(GOSTError) -> Data {
        if input.count == byteCount { return input }
        let text = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == byteCount * 2, text.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                bytes.append(UInt8(text[index..<next], radix: 16)!)
                index = next
            }
            return Data(bytes)
        }
        let decoded = try Base64URL.decode(text)
        guard decoded.count == byteCount else {
            throw .malformedInput("a raw signature must be \(byteCount) bytes (s‖r), got \(decoded.count) after decoding")
        }
        return decoded
    }
}
