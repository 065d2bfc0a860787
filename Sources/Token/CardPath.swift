/// A path of two-byte file identifiers from the MF, e.g. `3F00/1000/1000/6002/0001`.
public struct CardPath: Sendable, Hashable, CustomStringConvertible {
    /// The file identifiers, starting with `3F00`.
    public let fileIDs: [UInt16]

    public init(_ fileIDs: [UInt16]) throws(TokenError) {
        guard fileIDs.first == 0x3F00, fileIDs.count >= 2 else {
            throw .configurationInvalid("card path \(fileIDs.map { String(format: "%04X", $0) }.joined(separator: "/")) must start at 3F00 and name a file below it")
        }
        self.fileIDs = fileIDs
    }

    /// A path written in the source (the Rutoken profile's defaults).
    @usableFromInline
    init(literal fileIDs: [UInt16]) {
        precondition(fileIDs.first == 0x3F00 && fileIDs.count >= 2, "card path literals start at 3F00")
        self.fileIDs = fileIDs
    }

    /// Parses `3F00/1000/6002/0001`, `3F00:1000:…` or `3F00100060020001` (hex, four digits per file).
    public init(parsing text: String) throws(TokenError) {
        let digits = text.filter { $0 != "/" && $0 != ":" && $0 != " " }
        guard !digits.isEmpty, digits.count % 4 == 0, digits.allSatisfy(\.isHexDigit) else {
            throw .configurationInvalid("\"\(text)\" is not a card path; write it as hex file IDs like 3F00/1000/1000/6002/0001")
        }
        var ids: [UInt16] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 4)
            ids.append(UInt16(digits[index..<next], radix: 16) ?? 0)
            index = next
        }
        try self.init(ids)
    }

    /// The SELECT data for "path from MF" (P1 = 08): every file ID after `3F00`.
    var selectData: [UInt8] {
        fileIDs.dropFirst().flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    public var description: String {
        fileIDs.map { String(format: "%04X", $0) }.joined(separator: "/")
    }
}
