import Foundation

extension Data {
    /// Bytes from hex text; spaces, colons and line breaks are ignored. Traps on odd or non-hex input,
    /// which in a test means the test itself is wrong.
    public init(hex: String) {
        let digits = hex.filter { $0.isHexDigit }
        precondition(digits.count % 2 == 0, "odd number of hex digits")
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }

    /// Lowercase hex, as `openssl dgst` prints.
    public var hexLowercase: String { map { String(format: "%02x", $0) }.joined() }
}
