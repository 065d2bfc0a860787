import Foundation

/// Builds BER-TLV / DER objects byte by byte: FCP templates, EF.DIR records and the PKCS#15 files.
///
/// The card only ever writes these structures (it never parses BER beyond the MSE:SET template), so
/// an encoder with definite lengths is all it needs.
struct BERTLV {
    /// The tag bytes, as they appear on the wire (`0x62`, `0x5F 0x20`, `0xA1`...).
    let tag: [UInt8]
    /// The value bytes.
    let value: Data

    init(_ tag: UInt8, _ value: Data) {
        self.tag = [tag]
        self.value = value
    }

    init(_ tag: UInt8, bytes: [UInt8]) {
        self.init(tag, Data(bytes))
    }

    /// A constructed object whose value is the concatenation of `children`.
    init(_ tag: UInt8, children: [BERTLV]) {
        self.init(tag, children.reduce(into: Data()) { $0.append($1.encoded) })
    }

    /// Tag, definite length (short or long form), value.
    var encoded: Data {
        var out = Data(tag)
        let length = value.count
        if length < 0x80 {
            out.append(UInt8(length))
        } else {
            var lengthBytes: [UInt8] = []
            var remaining = length
            while remaining > 0 {
                lengthBytes.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            out.append(0x80 | UInt8(lengthBytes.count))
            out.append(contentsOf: lengthBytes)
        }
        out.append(value)
        return out
    }

    // MARK: DER universal types used by PKCS#15

    static func sequence(_ children: [BERTLV]) -> BERTLV { BERTLV(0x30, children: children) }

    static func octetString(_ bytes: Data) -> BERTLV { BERTLV(0x04, bytes) }

    static func utf8String(_ text: String) -> BERTLV { BERTLV(0x0C, Data(text.utf8)) }

    static func boolean(_ value: Bool) -> BERTLV { BERTLV(0x01, bytes: [value ? 0xFF : 0x00]) }

    static func enumerated(_ value: UInt8) -> BERTLV { BERTLV(0x0A, bytes: [value]) }

    /// A non-negative INTEGER in minimal two's-complement form.
    static func integer(_ value: Int, tag: UInt8 = 0x02) -> BERTLV {
        precondition(value >= 0, "PKCS#15 integers here are never negative")
        var bytes: [UInt8] = []
        var remaining = value
        repeat {
            bytes.insert(UInt8(remaining & 0xFF), at: 0)
            remaining >>= 8
        } while remaining > 0
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return BERTLV(tag, bytes: bytes)
    }

    /// A named-bit BIT STRING (PKCS#15 flags): bit 0 is the most significant bit of the first byte,
    /// trailing zero bits are dropped and counted as unused, as DER requires.
    static func namedBits(_ bits: Set<Int>) -> BERTLV {
        guard let highest = bits.max() else { return BERTLV(0x03, bytes: [0]) }
        var bytes = [UInt8](repeating: 0, count: highest / 8 + 1)
        for bit in bits { bytes[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        let unused = UInt8(7 - highest % 8)
        return BERTLV(0x03, bytes: [unused] + bytes)
    }
}
