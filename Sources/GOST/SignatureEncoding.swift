import Foundation
import SwiftASN1

/// Reads signatures the way people hand them over: binary DER, PEM, or base64/base64url text
/// (as cut from an ESIA URL or form field).
public enum SignatureEncoding {
    /// DER bytes of a CMS signature given as DER, PEM (`CMS`, `PKCS7`, `SIGNED DATA`...) or base64(url) text.
    public static func cmsDER(from input: Data) throws(GOSTError) -> Data {
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
