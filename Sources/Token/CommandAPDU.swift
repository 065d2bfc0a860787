/// An ISO 7816-4 short command APDU, as the host sends it.
struct CommandAPDU: Sendable, CustomStringConvertible {
    let cla: UInt8
    let ins: UInt8
    let p1: UInt8
    let p2: UInt8
    private(set) var data: [UInt8]
    /// The data is secret (a PIN): buffers holding it are zeroed after use.
    let isSensitive: Bool
    /// Expected response length: nil for none, 256 is encoded as `00`.
    let le: Int?
    /// What the command is, for logs and errors; never includes the data.
    let name: String

    init(_ name: String, cla: UInt8 = 0x00, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil,
         isSensitive: Bool = false) {
        precondition(data.count <= 255, "short APDUs carry at most 255 data bytes")
        precondition(le.map { (1...256).contains($0) } ?? true, "Le is 1...256 in a short APDU")
        self.name = name
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
        self.isSensitive = isSensitive
    }

    /// Zeroes the data in place (best effort: Swift may have made copies, which `PCSCCard` zeroes too).
    mutating func wipe() {
        for index in data.indices { data[index] = 0 }
    }

    /// The wire encoding: header, then Lc + data when there is data, then Le when a response is expected.
    var bytes: [UInt8] {
        var out = [cla, ins, p1, p2]
        if !data.isEmpty {
            out.append(UInt8(data.count))
            out.append(contentsOf: data)
        }
        if let le { out.append(UInt8(le & 0xFF)) }
        return out
    }

    var description: String { name }
}

/// An ISO 7816-4 response APDU: data and the two status bytes.
struct ResponseAPDU: Sendable {
    let data: [UInt8]
    let statusWord: UInt16

    /// Splits a raw response; nil when it is shorter than the status word.
    init?(_ raw: [UInt8]) {
        guard raw.count >= 2 else { return nil }
        data = Array(raw.dropLast(2))
        statusWord = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
    }

    init(data: [UInt8], statusWord: UInt16) {
        self.data = data
        self.statusWord = statusWord
    }

    var isSuccess: Bool { statusWord == 0x9000 }

    /// `63 Cx`: wrong PIN (or a counter query), x attempts left.
    var pinTriesLeft: Int? {
        statusWord & 0xFFF0 == 0x63C0 ? Int(statusWord & 0x000F) : nil
    }
}
