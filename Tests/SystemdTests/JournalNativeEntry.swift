/// Reads a datagram in journald's native protocol, the way journald parses it: `NAME=value\n`, or
/// `NAME\n` followed by a little-endian 64-bit length, the value and `\n`.
struct JournalNativeEntry {
    private(set) var fields: [String: [String]] = [:]

    init?(_ bytes: [UInt8]) {
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstIndex(where: { $0 == 0x0a || $0 == 0x3d }) else { return nil }
            let name = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
            if bytes[lineEnd] == 0x3d {
                guard let valueEnd = bytes[(lineEnd + 1)...].firstIndex(of: 0x0a) else { return nil }
                fields[name, default: []].append(String(decoding: bytes[(lineEnd + 1)..<valueEnd], as: UTF8.self))
                index = valueEnd + 1
            } else {
                let lengthStart = lineEnd + 1
                guard lengthStart + 8 <= bytes.count else { return nil }
                var length: UInt64 = 0
                for (shift, byte) in bytes[lengthStart..<(lengthStart + 8)].enumerated() {
                    length |= UInt64(byte) << (8 * UInt64(shift))
                }
                let valueStart = lengthStart + 8
                let valueEnd = valueStart + Int(length)
                guard valueEnd < bytes.count, bytes[valueEnd] == 0x0a else { return nil }
                fields[name, default: []].append(String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self))
                index = valueEnd + 1
            }
        }
    }

    subscript(name: String) -> String? { fields[name]?.first }
}
