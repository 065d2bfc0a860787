import Foundation

/// One file of the virtual card's ISO 7816-4 file system: a DF with children, a transparent EF, or
/// a private-key EF that signs but can never be read.
struct CardFile: Sendable {
    /// What the file holds.
    enum Content: Sendable {
        /// A dedicated file; `name` is its DF name (the PKCS#15 application AID), if any.
        case directory(name: Data?, children: [CardFile])
        /// A transparent working EF with these bytes.
        case transparent(Data)
        /// The file of a private key, selected before MSE:SET; its bytes never leave the card.
        case privateKey(reference: UInt8)
    }

    /// Who may read a file (the Rutoken security attribute for access mode 0).
    enum ReadAccess: Sendable {
        case always
        case never
    }

    /// Two-byte file identifier.
    let id: UInt16
    let content: Content
    let readAccess: ReadAccess

    static func directory(_ id: UInt16, name: Data? = nil, _ children: [CardFile]) -> CardFile {
        CardFile(id: id, content: .directory(name: name, children: children), readAccess: .always)
    }

    static func transparent(_ id: UInt16, _ bytes: Data) -> CardFile {
        CardFile(id: id, content: .transparent(bytes), readAccess: .always)
    }

    static func privateKey(_ id: UInt16, reference: UInt8) -> CardFile {
        CardFile(id: id, content: .privateKey(reference: reference), readAccess: .never)
    }

    var isDirectory: Bool {
        if case .directory = content { return true }
        return false
    }

    var children: [CardFile] {
        if case .directory(_, let children) = content { return children }
        return []
    }

    var directoryName: Data? {
        if case .directory(let name, _) = content { return name }
        return nil
    }

    /// Readable bytes of a transparent EF.
    var bytes: Data? {
        if case .transparent(let data) = content { return data }
        return nil
    }

    func child(_ id: UInt16) -> CardFile? {
        children.first { $0.id == id }
    }

    /// The File Control Parameters template (`62`) the card returns for SELECT with P2 = 00.
    ///
    /// OpenSC's Rutoken driver rejects an answer without a 15-byte security attribute (tag `86`)
    /// as unknown data (research/gost-token.md §5.3), so every file carries one.
    var controlParameters: Data {
        var fields: [BERTLV] = []
        switch content {
        case .directory:
            fields.append(BERTLV(0x80, bytes: [0x00, 0x00]))
            fields.append(BERTLV(0x82, bytes: [0x38, 0x00]))
        case .transparent(let data):
            fields.append(BERTLV(0x80, bytes: [UInt8(data.count >> 8), UInt8(data.count & 0xFF)]))
            fields.append(BERTLV(0x82, bytes: [0x01, 0x00]))
        case .privateKey:
            fields.append(BERTLV(0x80, bytes: [0x00, 0x20]))
            fields.append(BERTLV(0x82, bytes: [0x01, 0x00]))
        }
        fields.append(BERTLV(0x83, bytes: [UInt8(id >> 8), UInt8(id & 0xFF)]))
        if let name = directoryName {
            fields.append(BERTLV(0x84, name))
        }
        fields.append(BERTLV(0x86, securityAttributes))
        return BERTLV(0x62, children: fields).encoded
    }

    /// Rutoken ECP security attributes: byte 0 says which access modes follow, bytes 1… give the
    /// condition per mode (`00` always, `01` SO PIN, `02` user PIN, `FF` never). Read (mode 0) as
    /// configured, update (mode 1) and delete (mode 6) by the SO only, as the OpenSC profile sets them.
    private var securityAttributes: Data {
        var attributes = [UInt8](repeating: 0, count: 15)
        attributes[0] = 0x43
        attributes[1] = readAccess == .always ? 0x00 : 0xFF
        attributes[2] = 0x01
        attributes[7] = 0x01
        return Data(attributes)
    }
}
