import Foundation
import GOST
import Synchronization

/// The card side of pcscd's `vpcd` reader driver: a TCP client that vpcd (the server inside pcscd)
/// talks to with 2-byte big-endian length frames (research/gost-token.md §5.3).
///
/// A one-byte frame is a control message (`00` power off, `01` power on, `02` reset, `04` get ATR;
/// only the ATR request is answered); any longer frame is a command APDU answered with a response
/// APDU. Closing the connection is how a card is "pulled"; connecting again re-inserts it.
final class VPCDLink: Sendable {
    private struct State {
        var inserted: Bool
        var socket: Int32 = -1
    }

    private let host: String
    private let port: UInt16
    private let card: VirtualRutoken
    private let log: CardLog
    private let state: Mutex<State>

    init(host: String, port: UInt16, card: VirtualRutoken, inserted: Bool, log: CardLog) {
        self.host = host
        self.port = port
        self.card = card
        self.log = log
        state = Mutex(State(inserted: inserted))
    }

    var isInserted: Bool { state.withLock { $0.inserted } }

    var isConnected: Bool { state.withLock { $0.socket >= 0 } }

    /// Pulls the card: drops the connection (vpcd reports the card removed) and stays out until `insert()`.
    func remove() {
        card.reset()
        state.withLock { state in
            state.inserted = false
            if state.socket >= 0 { shutdown(state.socket, Int32(SHUT_RDWR)) }
        }
        log.event("card removed")
    }

    /// Puts the card back: the link reconnects to vpcd.
    func insert() {
        state.withLock { $0.inserted = true }
        log.event("card inserted")
    }

    /// Runs forever: connect while inserted, serve frames, reconnect after pcscd restarts.
    func run() -> Never {
        var waitingLogged = false
        while true {
            guard isInserted else {
                Thread.sleep(forTimeInterval: 0.02)
                continue
            }
            guard let socket = connectToVPCD() else {
                if !waitingLogged {
                    log.event("waiting for vpcd on \(host):\(port) (is pcscd running with the vpcd driver?)")
                    waitingLogged = true
                }
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            waitingLogged = false
            let adopted = state.withLock { state -> Bool in
                guard state.inserted else { return false }
                state.socket = socket
                return true
            }
            guard adopted else {
                close(socket)
                continue
            }
            log.event("connected to vpcd on \(host):\(port)")
            card.reset()
            serve(socket)
            state.withLock { $0.socket = -1 }
            close(socket)
            card.reset()
            log.event("disconnected from vpcd")
        }
    }

    private func serve(_ socket: Int32) {
        while let frame = readFrame(socket) {
            if frame.count == 1 {
                switch frame[frame.startIndex] {
                case 0x04:
                    guard writeFrame(socket, VirtualRutoken.answerToReset) else { return }
                case 0x00, 0x01, 0x02:
                    card.reset()
                default:
                    log.event("unknown vpcd control byte \(frame.hexString)")
                }
                continue
            }
            let answer = card.answer(to: frame)
            log.apdu(answer.summary, statusWord: answer.response.suffix(2).hexString)
            if answer.delay > .zero, !waitWhileInserted(answer.delay) {
                log.event("card pulled while it was busy; the answer is lost")
                return
            }
            guard writeFrame(socket, answer.response) else { return }
        }
    }

    /// Sleeps for `delay` in small steps; false as soon as the card is removed.
    private func waitWhileInserted(_ delay: Duration) -> Bool {
        let deadline = ContinuousClock.now + delay
        while ContinuousClock.now < deadline {
            guard isInserted else { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return isInserted
    }

    private func connectToVPCD() -> Int32? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            log.event("--host \(host) is not an IPv4 address")
            return nil
        }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        var noDelay: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            return nil
        }
        return socket
    }

    private func readFrame(_ socket: Int32) -> Data? {
        // vpcd writes the length and the payload with two send() calls; with Nagle on its side and
        // delayed ACKs on ours every frame would wait ~40 ms, so acknowledge the header at once.
        var quickAck: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &quickAck, socklen_t(MemoryLayout<Int32>.size))
        guard let header = readExactly(socket, 2) else { return nil }
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &quickAck, socklen_t(MemoryLayout<Int32>.size))
        let length = Int(header[0]) << 8 | Int(header[1])
        guard length > 0 else { return Data() }
        return readExactly(socket, length).map { Data($0) }
    }

    private func readExactly(_ socket: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                recv(socket, raw.baseAddress! + received, count - received, 0)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            received += n
        }
        return buffer
    }

    private func writeFrame(_ socket: Int32, _ payload: Data) -> Bool {
        var frame = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        frame.append(contentsOf: payload)
        var sent = 0
        while sent < frame.count {
            let n = frame.withUnsafeBytes { raw in
                send(socket, raw.baseAddress! + sent, frame.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }
}
