import Foundation
import GOST

/// Signs on a Rutoken ECP with ISO 7816 APDUs through pcscd, without any vendor module:
/// SELECT the key file, VERIFY the user PIN, MSE:SET the key reference, PSO:CDS, LOGOUT
/// (research/gost-token.md §7.1, §9.3; the same sequence OpenSC's `rtecp` driver sends).
///
/// Byte orders: the PSO:CDS data field is the digest exactly as Streebog outputs it, and the card
/// answers the byte-reverse of `s‖r` (§7.3); `GOSTByteOrder` converts.
final class PCSCDriver: TokenDriver {
    let kind = TokenDriverKind.pcsc
    let needsLogin = true

    private let settings: PCSCSettings
    private var context: PCSCContext?
    private var card: PCSCCard?
    private var identity: TokenIdentity?
    private var loggedIn = false
    private(set) var signingCommandsSent = 0

    init(settings: PCSCSettings) {
        self.settings = settings
    }

    var isLoggedIn: Bool { card != nil && loggedIn }

    func connect(until deadline: ContinuousClock.Instant) throws(TokenError) -> TokenIdentity {
        if let card, let identity, (try? card.answerToReset()) != nil { return identity }
        disconnect()
        let started = ContinuousClock.now
        while true {
            do {
                return try attach()
            } catch .tokenAbsent, .pcscUnavailable {
                // Keep waiting: the card may be inserted, or pcscd restarted, before the deadline.
                context = nil
            }
            guard ContinuousClock.now < deadline else { throw .tokenAbsent(waited: ContinuousClock.now - started) }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    func pinCounter() throws(TokenError) -> PINCounter {
        let card = try connected()
        return try card.transaction { () throws(TokenError) -> PINCounter in
            try selectPINDirectory(card)
            let response = try card.transmit(CommandAPDU("VERIFY (retry counter)", ins: 0x20, p1: 0x00,
                                                         p2: settings.pinReference))
            if response.isSuccess {
                loggedIn = true
                return .unknown
            }
            if let left = response.pinTriesLeft { return .exactly(left) }
            if response.statusWord == 0x6983 { return .locked }
            return .unknown
        }
    }

    func login(_ pin: TokenPIN) throws(TokenError) -> LoginOutcome {
        let card = try connected()
        let data = try pin.withBytes { bytes throws(TokenError) -> [UInt8] in
            guard bytes.count <= 255 else { throw .pinInvalid("the PIN is longer than a VERIFY command can carry") }
            return Array(bytes)
        }
        var command = CommandAPDU("VERIFY", ins: 0x20, p1: 0x00, p2: settings.pinReference, data: data,
                                  isSensitive: true)
        defer { command.wipe() }
        let response = try card.transaction { () throws(TokenError) -> ResponseAPDU in
            try selectPINDirectory(card)
            return try card.transmit(command)
        }
        if response.isSuccess {
            loggedIn = true
            return .accepted
        }
        loggedIn = false
        if let left = response.pinTriesLeft { return left == 0 ? .locked : .rejected(.exactly(left)) }
        switch response.statusWord {
        case 0x6983: return .locked
        case 0x6700: throw .pinInvalid("the card refuses PINs of this length (status 6700)")
        default: throw .cardError(command: "VERIFY", statusWord: response.statusWord)
        }
    }

    func sign(digest: Data) throws(TokenError) -> Data {
        let card = try connected()
        let response = try card.transaction { () throws(TokenError) -> ResponseAPDU in
            try card.transmitExpectingSuccess(CommandAPDU("SELECT key file", ins: 0xA4, p1: 0x08, p2: 0x00,
                                                          data: settings.keyFile.selectData, le: 256))
            try card.transmitExpectingSuccess(CommandAPDU("MSE:SET", ins: 0x22, p1: 0x41, p2: 0xB6,
                                                          data: [0x84, 0x01, settings.keyReference]))
            signingCommandsSent += 1
            return try card.transmit(CommandAPDU("PSO:CDS", ins: 0x2A, p1: 0x9E, p2: 0x9A,
                                                 data: [UInt8](GOSTByteOrder.rutokenCommandData(forDigest: digest)),
                                                 le: 256))
        }
        guard response.isSuccess else {
            if response.statusWord == 0x6982 { loggedIn = false }
            throw .cardError(command: "PSO:CDS", statusWord: response.statusWord)
        }
        guard response.data.count == 2 * digest.count else {
            throw .cardError(command: "PSO:CDS (answered \(response.data.count) bytes)", statusWord: response.statusWord)
        }
        return GOSTByteOrder.signature(fromRutokenResponse: Data(response.data))
    }

    func sign(message: Data) throws(TokenError) -> Data? {
        nil
    }

    func readCertificate() throws(TokenError) -> GOSTCertificate? {
        guard let path = settings.certificateFile else { return nil }
        let card = try connected()
        let der = try card.transaction { () throws(TokenError) -> [UInt8] in
            let selected = try card.transmit(CommandAPDU("SELECT certificate", ins: 0xA4, p1: 0x08, p2: 0x00,
                                                         data: path.selectData, le: 256))
            if selected.statusWord == 0x6A82 { return [] }
            guard selected.isSuccess else {
                throw .cardError(command: "SELECT certificate", statusWord: selected.statusWord)
            }
            guard let size = Self.fileSize(fromControlParameters: selected.data) else {
                throw .certificateUnavailable("the card did not say how large \(path) is (no tag 80 in its FCP)")
            }
            var bytes: [UInt8] = []
            while bytes.count < size {
                let chunk = min(240, size - bytes.count)
                let read = try card.transmit(CommandAPDU("READ BINARY", ins: 0xB0, p1: UInt8(bytes.count >> 8),
                                                         p2: UInt8(bytes.count & 0xFF), le: chunk))
                guard read.isSuccess else { throw .cardError(command: "READ BINARY", statusWord: read.statusWord) }
                guard !read.data.isEmpty else { break }
                bytes += read.data
            }
            return bytes
        }
        guard !der.isEmpty else { return nil }
        do {
            return try GOSTCertificate(der: Data(der))
        } catch {
            throw .certificateUnavailable("the file \(path) on the card is not a certificate: \(error)")
        }
    }

    func logout() {
        guard let card else { return }
        _ = try? card.transaction { () throws(TokenError) in
            _ = try card.transmit(CommandAPDU("LOGOUT", cla: 0x80, ins: 0x40, p1: 0x00, p2: 0x00))
        }
        loggedIn = false
    }

    func disconnect() {
        card = nil
        identity = nil
        loggedIn = false
    }

    // MARK: connection

    private func connected() throws(TokenError) -> PCSCCard {
        guard let card else { throw .tokenAbsent(waited: .zero) }
        return card
    }

    /// Finds the reader, connects, and reads the serial (and label, best effort).
    private func attach() throws(TokenError) -> TokenIdentity {
        let context: PCSCContext
        if let existing = self.context, existing.isValid {
            context = existing
        } else {
            context = try PCSCContext()
        }
        self.context = context
        let readers = try context.readers()
        let candidates = settings.reader.map { wanted in readers.filter { $0.contains(wanted) } } ?? readers
        guard !candidates.isEmpty else {
            if settings.reader != nil, !readers.isEmpty {
                throw .tokenNotFound("no reader matches \"\(settings.reader ?? "")\"; readers: \(readers.joined(separator: ", "))")
            }
            throw .tokenAbsent(waited: .zero)
        }
        var attached: [(PCSCCard, [UInt8])] = []
        for reader in candidates {
            guard let card = try? PCSCCard(context: context, reader: reader),
                  let atr = try? card.answerToReset() else { continue }
            attached.append((card, atr))
        }
        // Prefer a Rutoken ECP when no reader was named and several hold cards.
        guard let (card, atr) = attached.first(where: { TokenModel.isRutokenECP($0.1) }) ?? attached.first else {
            throw .tokenAbsent(waited: .zero)
        }
        self.card = card
        loggedIn = false
        let serial = try card.transaction { () throws(TokenError) -> String? in
            let response = try card.transmit(CommandAPDU("GET DATA serial", ins: 0xCA, p1: 0x01, p2: 0x81, le: 256))
            return response.isSuccess ? response.data.lowercaseHexString : nil
        }
        let found = TokenIdentity(reader: card.reader, label: try? readLabel(card), serial: serial,
                                  manufacturer: TokenModel.isRutokenECP(atr) ? "Aktiv Co." : nil,
                                  model: TokenModel.name(forAnswerToReset: atr) ?? "unknown card",
                                  key: "key reference \(settings.keyReference) in \(settings.keyFile)",
                                  mechanism: "PSO:CDS (GOST R 34.10-2012, digest computed on the host)")
        identity = found
        return found
    }

    /// The PKCS#15 TokenInfo label, if the card has one where the settings say.
    private func readLabel(_ card: PCSCCard) throws(TokenError) -> String? {
        guard let path = settings.tokenInfoFile else { return nil }
        return try card.transaction { () throws(TokenError) -> String? in
            let selected = try card.transmit(CommandAPDU("SELECT TokenInfo", ins: 0xA4, p1: 0x08, p2: 0x00,
                                                         data: path.selectData, le: 256))
            guard selected.isSuccess, let size = Self.fileSize(fromControlParameters: selected.data) else { return nil }
            let read = try card.transmit(CommandAPDU("READ BINARY", ins: 0xB0, p1: 0, p2: 0, le: min(size, 256)))
            guard read.isSuccess else { return nil }
            return PKCS15TokenInfo.label(in: read.data)
        }
    }

    private func selectPINDirectory(_ card: PCSCCard) throws(TokenError) {
        let select = settings.pinDirectory.map {
            CommandAPDU("SELECT PIN directory", ins: 0xA4, p1: 0x08, p2: 0x0C, data: $0.selectData)
        } ?? CommandAPDU("SELECT MF", ins: 0xA4, p1: 0x00, p2: 0x0C, data: [0x3F, 0x00])
        try card.transmitExpectingSuccess(select)
    }

    /// File size from an FCP template (`62`): tag `80`, or `81` when `80` is missing.
    static func fileSize(fromControlParameters fcp: [UInt8]) -> Int? {
        guard fcp.count >= 2, fcp[0] == 0x62 else { return nil }
        var index = 2
        var fallback: Int?
        while index + 1 < fcp.count {
            let tag = fcp[index], length = Int(fcp[index + 1])
            guard index + 2 + length <= fcp.count else { return nil }
            let value = fcp[(index + 2)..<(index + 2 + length)]
            let number = value.reduce(0) { $0 << 8 | Int($1) }
            if tag == 0x80 { return number }
            if tag == 0x81 { fallback = number }
            index += 2 + length
        }
        return fallback
    }
}
