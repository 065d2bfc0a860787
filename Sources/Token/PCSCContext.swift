import CPCSC
import Foundation

/// One PC/SC resource-manager context (a connection to pcscd).
///
/// pcsc-lite allows a context to be used by one thread at a time; the one exception is `cancel()`,
/// which may be called from any thread to end a blocking `waitForChange`.
final class PCSCContext: @unchecked Sendable {
    /// pcsc-lite's pseudo-reader whose state changes when readers are attached or removed.
    static let plugAndPlayReader = "\\\\?PnP?\\Notification"

    /// One reader's state as `SCardGetStatusChange` reports it.
    struct ReaderState: Sendable {
        let name: String
        /// `dwEventState`: the `SCARD_STATE_*` bits, with pcsc-lite's event counter in the high 16 bits.
        var eventState: UInt
        var answerToReset: [UInt8]

        var isChanged: Bool { eventState & UInt(SCARD_STATE_CHANGED) != 0 }
        var isCardPresent: Bool { eventState & UInt(SCARD_STATE_PRESENT) != 0 }
        var isGone: Bool { eventState & UInt(SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE) != 0 }
    }

    let handle: SCARDCONTEXT

    init() throws(TokenError) {
        var context: SCARDCONTEXT = 0
        let rv = PCSCReturnCode(SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context))
        guard rv.isSuccess else {
            if rv.meansServiceLost { throw .pcscUnavailable("cannot reach pcscd: \(rv)") }
            throw .pcscFailed(function: "SCardEstablishContext", code: rv)
        }
        handle = context
    }

    deinit {
        SCardReleaseContext(handle)
    }

    /// Whether pcscd still knows this context (false after pcscd restarted).
    var isValid: Bool { SCardIsValidContext(handle) == 0 }

    /// Names of the readers pcscd knows; empty when there are none.
    func readers() throws(TokenError) -> [String] {
        var length: DWORD = 0
        var rv = PCSCReturnCode(SCardListReaders(handle, nil, nil, &length))
        if rv == .noReadersAvailable { return [] }
        guard rv.isSuccess else { throw Self.error("SCardListReaders", rv) }
        var buffer = [CChar](repeating: 0, count: Int(length))
        rv = PCSCReturnCode(SCardListReaders(handle, nil, &buffer, &length))
        if rv == .noReadersAvailable { return [] }
        guard rv.isSuccess else { throw Self.error("SCardListReaders", rv) }
        // A multi-string: names separated by NUL, ended by an empty name.
        return buffer.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// Blocks until one of `readers` differs from the state in `known` (by name), or `timeout` passes.
    /// Returns the new states (all of them) and the return code (`timeout` and `cancelled` included).
    func waitForChange(_ readers: [String], known: [String: UInt], timeout: Duration) -> ([ReaderState], PCSCReturnCode) {
        let names = readers.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var states = readers.indices.map { index -> SCARD_READERSTATE in
            var state = SCARD_READERSTATE()
            state.szReader = UnsafePointer(names[index])
            // Clear the "changed" bit: pcsc-lite compares the rest with the reader's current state.
            state.dwCurrentState = DWORD((known[readers[index]] ?? 0) & ~UInt(SCARD_STATE_CHANGED))
            return state
        }
        let milliseconds = DWORD(max(0, timeout.components.seconds * 1000
                                     + timeout.components.attoseconds / 1_000_000_000_000_000))
        let rv = PCSCReturnCode(SCardGetStatusChange(handle, milliseconds, &states, DWORD(states.count)))
        let result = states.indices.map { index -> ReaderState in
            let state = states[index]
            let atr = withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(Int(min(state.cbAtr, DWORD(MAX_ATR_SIZE))))) }
            return ReaderState(name: readers[index], eventState: UInt(state.dwEventState), answerToReset: atr)
        }
        return (result, rv)
    }

    /// Ends a `waitForChange` blocked in another thread.
    func cancel() {
        SCardCancel(handle)
    }

    static func error(_ function: String, _ rv: PCSCReturnCode) -> TokenError {
        rv.meansServiceLost ? .pcscUnavailable("\(function): \(rv)") : .pcscFailed(function: function, code: rv)
    }
}
