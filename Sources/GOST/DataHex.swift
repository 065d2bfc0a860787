import Foundation

extension Sequence where Element == UInt8 {
    /// Uppercase hex, two digits per byte, no separators.
    public var hexString: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var characters: [UInt8] = []
        for byte in self {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
