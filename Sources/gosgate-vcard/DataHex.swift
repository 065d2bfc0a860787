import Foundation

extension Data {
    /// Uppercase hex, no separators (for log lines).
    var hexString: String { map { String(format: "%02X", $0) }.joined() }

    /// Parses hex digits (spaces and colons allowed between bytes); nil for anything else.
    init?(hex: String) {
        let digits = hex.filter { $0 != " " && $0 != ":" }
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
