import CPCSC
import Foundation

/// A shared connection to the card in one reader, exchanging short APDUs.
///
/// Shared mode lets OpenSC or a vendor tool use the token at the same time; every multi-APDU
/// sequence (login, sign) runs inside a PC/SC transaction so nobody interleaves with it.
final class PCSCCard {
    let reader: String
    private let context: PCSCContext
    private var handle: SCARDHANDLE = 0
    private var activeProtocol: DWORD = 0

    init(context: PCSCContext, reader: String) throws(TokenError) {
        self.context = context
        self.reader = reader
        var card: SCARDHANDLE = 0
        var proto: DWORD = 0
        let rv = PCSCReturnCode(SCardConnect(context.handle, reader, DWORD(SCARD_SHARE_SHARED),
                                             DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), &card, &proto))
        guard rv.isSuccess else {
            if rv.meansCardGone { throw .tokenAbsent(waited: .zero) }
            throw PCSCContext.error("SCardConnect", rv)
        }
        handle = card
        activeProtocol = proto
    }

    deinit {
        SCardDisconnect(handle, DWORD(SCARD_LEAVE_CARD))
    }

    /// The ATR of the card in the reader.
    func answerToReset() throws(TokenError) -> [UInt8] {
        var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE))
        var atrLength = DWORD(atr.count)
        var state: DWORD = 0
        var proto: DWORD = 0
        var nameLength: DWORD = 0
        let rv = PCSCReturnCode(SCardStatus(handle, nil, &nameLength, &state, &proto, &atr, &atrLength))
        guard rv.isSuccess else { throw failure("SCardStatus", rv) }
        return Array(atr.prefix(Int(atrLength)))
    }

    /// Runs `body` inside a PC/SC transaction (exclusive access for its APDUs).
    func transaction<R>(_ body: () throws(TokenError) -> R) throws(TokenError) -> R {
        var rv = PCSCReturnCode(SCardBeginTransaction(handle))
        if rv == .resetCard {
            // Someone reset the card: the connection must be re-established before anything else.
            try reconnect()
            rv = PCSCReturnCode(SCardBeginTransaction(handle))
        }
        guard rv.isSuccess else { throw failure("SCardBeginTransaction", rv) }
        defer { SCardEndTransaction(handle, DWORD(SCARD_LEAVE_CARD)) }
        return try body()
    }

    /// Sends `command`, following `61 xx` (GET RESPONSE) and `6C xx` (wrong Le) as T=0 cards need.
    func transmit(_ command: CommandAPDU) throws(TokenError) -> ResponseAPDU {
        var bytes = command.bytes
        defer { if command.isSensitive { for index in bytes.indices { bytes[index] = 0 } } }
        var response = try exchange(bytes, name: command.name)
        if response.statusWord & 0xFF00 == 0x6C00 {
            let le = Int(response.statusWord & 0xFF)
            let retry = CommandAPDU(command.name, cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2,
                                    data: command.data, le: le == 0 ? 256 : le)
            response = try exchange(retry.bytes, name: command.name)
        }
        var data = response.data
        while response.statusWord & 0xFF00 == 0x6100 {
            let le = Int(response.statusWord & 0xFF)
            let getResponse = CommandAPDU("GET RESPONSE", ins: 0xC0, p1: 0, p2: 0, le: le == 0 ? 256 : le)
            response = try exchange(getResponse.bytes, name: command.name)
            data += response.data
        }
        return ResponseAPDU(data: data, statusWord: response.statusWord)
    }

    /// Sends `command` and throws `cardError` unless the card answers `90 00`.
    @discardableResult
    func transmitExpectingSuccess(_ command: CommandAPDU) throws(TokenError) -> ResponseAPDU {
        let response = try transmit(command)
        guard response.isSuccess else { throw .cardError(command: command.name, statusWord: response.statusWord) }
        return response
    }

    /// After a reset by another application: reconnect, leaving the card as it is.
    func reconnect() throws(TokenError) {
        var proto: DWORD = 0
        let rv = PCSCReturnCode(SCardReconnect(handle, DWORD(SCARD_SHARE_SHARED),
                                               DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1),
                                               DWORD(SCARD_LEAVE_CARD), &proto))
        guard rv.isSuccess else { throw failure("SCardReconnect", rv) }
        activeProtocol = proto
    }

    private func exchange(_ bytes: [UInt8], name: String) throws(TokenError) -> ResponseAPDU {
        var received = [UInt8](repeating: 0, count: Int(MAX_BUFFER_SIZE))
        var receivedLength = DWORD(received.count)
        var sendPCI = activeProtocol == DWORD(SCARD_PROTOCOL_T0) ? g_rgSCardT0Pci : g_rgSCardT1Pci
        let rv = PCSCReturnCode(SCardTransmit(handle, &sendPCI, bytes, DWORD(bytes.count), nil,
                                              &received, &receivedLength))
        guard rv.isSuccess else { throw failure(name, rv) }
        guard let response = ResponseAPDU(Array(received.prefix(Int(receivedLength)))) else {
            // No status word at all: the transport broke under the command (the card was pulled).
            throw .tokenRemoved(during: name)
        }
        return response
    }

    private func failure(_ operation: String, _ rv: PCSCReturnCode) -> TokenError {
        if rv.meansCardGone || rv == .resetCard { return .tokenRemoved(during: operation) }
        if rv.meansServiceLost { return .pcscUnavailable("pcscd went away during \(operation): \(rv)") }
        return .pcscFailed(function: operation, code: rv)
    }
}
