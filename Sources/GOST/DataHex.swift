import Foundation

extension Sequence where Element == UInt8 {
    /// Uppercase hex, two digits per byte, no separators (Streebog digests, `client_certificate_hash`).
    public var hexString: String { hex(digits: Array("0123456789ABCDEF".utf8)) }

    /// Lowercase hex, as `openssl dgst` and `sha256sum` print digests.
    public var lowercaseHexString: String { hex(digits: Array("0123456789abcdef".utf8)) }

    private func hex(digits: [UInt8]) -> String {
        var characters: [UInt8] = []
        characters.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}

extension Data {
    /// Parses hex digits in either case; nil for an odd count or any other character.
    /// - Parameter allowingSeparators: also accept colons and spaces between bytes, as
    ///   certificate and token tools print identifiers (`01:A2`, `01 a2`).
    public init?(hexDigits text: String, allowingSeparators: Bool = false) {
        let digits = allowingSeparators ? text.filter { $0 != ":" && $0 != " " } : text
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard digits[index..<next].allSatisfy(\.isHexDigit), let byte = UInt8(digits[index..<next], radix: 16) else {
                return nil
            }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
