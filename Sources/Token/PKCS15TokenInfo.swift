/// Reads the label out of a PKCS#15 TokenInfo (`SEQUENCE { version, serialNumber,
/// manufacturerID?, label [0]?, … }`) without a full ASN.1 decoder.
enum PKCS15TokenInfo {
    /// The `[0]` label at the top level of the sequence, or nil.
    static func label(in bytes: [UInt8]) -> String? {
        guard let (tag, body, _) = element(bytes, at: 0), tag == 0x30 else { return nil }
        var index = body.lowerBound
        while index < body.upperBound, let (tag, value, next) = element(bytes, at: index), next <= body.upperBound {
            if tag == 0x80 { return String(decoding: bytes[value], as: UTF8.self) }
            index = next
        }
        return nil
    }

    /// One BER element at `index`: its tag, value range, and where the next element starts.
    private static func element(_ bytes: [UInt8], at index: Int) -> (UInt8, Range<Int>, Int)? {
        guard index + 1 < bytes.count else { return nil }
        let tag = bytes[index]
        var length = Int(bytes[index + 1])
        var start = index + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 3, start + count <= bytes.count else { return nil }
            length = bytes[start..<(start + count)].reduce(0) { $0 << 8 | Int($1) }
            start += count
        }
        guard start + length <= bytes.count else { return nil }
        return (tag, start..<(start + length), start + length)
    }
}
