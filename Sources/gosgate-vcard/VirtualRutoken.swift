import Foundation
import GOST
import Synchronization

/// The card operating system of a virtual Rutoken ECP: answers the ISO 7816 commands OpenSC's
/// `rtecp` driver and the gateway's `pcsc` driver send (research/gost-token.md §7, §9.3).
///
/// All state sits behind one lock, so the vpcd link and the control channel can both reach it;
/// the link serialises APDUs anyway, as a real reader would.
final class VirtualRutoken: Sendable {
    /// Rutoken ECP ATR, matched by OpenSC's driver table.
    static let answerToReset = Data([0x3B, 0x8B, 0x01, 0x52, 0x75, 0x74, 0x6F, 0x6B, 0x65, 0x6E, 0x20, 0x45, 0x43, 0x50, 0xA0])

    /// What the card replies to one command, and how long it takes before replying.
    struct Answer {
        let response: Data
        let delay: Duration
        /// A one-line summary for the log: never contains PIN bytes.
        let summary: String
    }

    /// A snapshot for the `status` control command.
    struct Status: Sendable {
        let pinVerified: Bool
        let retriesLeft: Int
        let maximumRetries: Int
        let locked: Bool
        let signatures: Int
        let signDelayMilliseconds: Int
    }

    private struct State {
        var currentFile: [UInt16] = [0x3F00]
        var currentDirectory: [UInt16] = [0x3F00]
        var pinVerified = false
        var retriesLeft: Int
        var signingKeyReference: UInt8?
        var signDelay: Duration = .zero
        var signatures = 0
    }

    private let masterFile: CardFile
    private let serial: Data
    private let pin: [UInt8]
    private let maximumRetries: Int
    private let keys: [UInt8: GOSTPrivateKey]
    private let state: Mutex<State>

    init(layout: PKCS15Layout, key: GOSTPrivateKey, pin: [UInt8], maximumRetries: Int) {
        masterFile = layout.masterFile
        serial = layout.serial
        self.pin = pin
        self.maximumRetries = maximumRetries
        keys = [layout.keyReference: key]
        state = Mutex(State(retriesLeft: maximumRetries))
    }

    // MARK: control

    /// Power-on, reset or removal: the security state is volatile, the retry counter is not.
    func reset() {
        state.withLock { state in
            state.currentFile = [0x3F00]
            state.currentDirectory = [0x3F00]
            state.pinVerified = false
            state.signingKeyReference = nil
        }
    }

    /// Blocks the user PIN, as if every retry had been spent.
    func lock() {
        state.withLock { state in
            state.retriesLeft = 0
            state.pinVerified = false
        }
    }

    /// Restores the full retry counter (what an SO unblock would do).
    func unlock() {
        state.withLock { $0.retriesLeft = maximumRetries }
    }

    func setSignDelay(_ delay: Duration) {
        state.withLock { $0.signDelay = delay }
    }

    var status: Status {
        state.withLock { state in
            Status(pinVerified: state.pinVerified, retriesLeft: state.retriesLeft, maximumRetries: maximumRetries,
                   locked: state.retriesLeft == 0, signatures: state.signatures,
                   signDelayMilliseconds: Int(state.signDelay.components.seconds * 1000
                                              + state.signDelay.components.attoseconds / 1_000_000_000_000_000))
        }
    }

    // MARK: commands

    /// Executes one command APDU (short form) and returns the response APDU.
    func answer(to apdu: Data) -> Answer {
        let bytes = [UInt8](apdu)
        guard bytes.count >= 4 else { return Answer(sw: 0x6700, "malformed APDU (\(bytes.count) bytes)") }
        let cla = bytes[0], ins = bytes[1], p1 = bytes[2], p2 = bytes[3]
        var data: [UInt8] = []
        var le: Int?
        if bytes.count == 5 {
            le = bytes[4] == 0 ? 256 : Int(bytes[4])
        } else if bytes.count > 5 {
            let lc = Int(bytes[4])
            guard lc > 0, bytes.count == 5 + lc || bytes.count == 6 + lc else {
                return Answer(sw: 0x6700, "wrong length (extended APDUs are not supported)")
            }
            data = Array(bytes[5..<(5 + lc)])
            if bytes.count == 6 + lc { le = bytes[5 + lc] == 0 ? 256 : Int(bytes[5 + lc]) }
        }
        switch (cla, ins) {
        case (0x00, 0xA4): return select(p1: p1, p2: p2, data: data)
        case (0x00, 0xB0): return readBinary(p1: p1, p2: p2, le: le ?? 256)
        case (0x00, 0x20): return verify(reference: p2, pin: data)
        case (0x80, 0x40): return logout()
        case (0x00, 0x22): return manageSecurityEnvironment(p1: p1, p2: p2, data: data)
        case (0x00, 0x2A): return performSecurityOperation(p1: p1, p2: p2, data: data)
        case (0x00, 0xCA): return getData(p1: p1, p2: p2)
        case (0x00, 0x84): return getChallenge(le: le ?? 8)
        case (0x00, _), (0x80, _):
            return Answer(sw: 0x6D00, String(format: "unsupported INS %02X", ins))
        default:
            return Answer(sw: 0x6E00, String(format: "unsupported CLA %02X", cla))
        }
    }

    private func select(p1: UInt8, p2: UInt8, data: [UInt8]) -> Answer {
        guard p2 == 0x00 || p2 == 0x04 || p2 == 0x0C else { return Answer(sw: 0x6A86, "SELECT with P2 \(hex(p2))") }
        let target: [UInt16]?
        let what: String
        switch p1 {
        case 0x00, 0x01, 0x02:
            let ids = fileIDs(data)
            what = "FID " + hexPath(ids)
            if data.isEmpty || ids == [0x3F00] {
                target = [0x3F00]
            } else if ids.count == 1 {
                let directory = state.withLock { $0.currentDirectory }
                target = file(at: directory + ids) != nil ? directory + ids : nil
            } else {
                return Answer(sw: 0x6700, "SELECT \(what): one file ID expected")
            }
        case 0x03:
            what = "parent"
            let directory = state.withLock { $0.currentDirectory }
            target = directory.count > 1 ? Array(directory.dropLast()) : nil
        case 0x04:
            what = "DF name " + Data(data).hexString
            target = path(ofDirectoryNamed: Data(data), under: masterFile, at: [0x3F00])
        case 0x08, 0x09:
            guard data.count % 2 == 0, !data.isEmpty else { return Answer(sw: 0x6700, "SELECT path of odd length") }
            var ids = fileIDs(data)
            let base: [UInt16]
            if p1 == 0x08 {
                if ids.first == 0x3F00 { ids.removeFirst() }
                base = [0x3F00]
            } else {
                base = state.withLock { $0.currentDirectory }
            }
            what = "path " + hexPath(base + ids)
            target = file(at: base + ids) != nil ? base + ids : nil
        default:
            return Answer(sw: 0x6A86, "SELECT with P1 \(hex(p1))")
        }
        guard let target, let selected = file(at: target) else {
            return Answer(sw: 0x6A82, "SELECT \(what): not found")
        }
        state.withLock { state in
            state.currentFile = target
            state.currentDirectory = selected.isDirectory ? target : Array(target.dropLast())
        }
        let fcp = p2 == 0x0C ? Data() : selected.controlParameters
        return Answer(data: fcp, sw: 0x9000, "SELECT \(what)")
    }

    private func readBinary(p1: UInt8, p2: UInt8, le: Int) -> Answer {
        guard p1 & 0x80 == 0 else { return Answer(sw: 0x6A81, "READ BINARY by short EF identifier") }
        let offset = Int(p1) << 8 | Int(p2)
        let current = state.withLock { $0.currentFile }
        guard let selected = file(at: current) else { return Answer(sw: 0x6986, "READ BINARY without a current EF") }
        guard selected.readAccess == .always else {
            return Answer(sw: 0x6982, "READ BINARY of \(hexPath(current)) refused (never readable)")
        }
        guard let bytes = selected.bytes else { return Answer(sw: 0x6986, "READ BINARY of a DF") }
        guard offset <= bytes.count else { return Answer(sw: 0x6B00, "READ BINARY offset \(offset) beyond \(bytes.count)") }
        let end = min(bytes.count, offset + le)
        return Answer(data: bytes.subdata(in: offset..<end), sw: 0x9000,
                      "READ BINARY \(hexPath(current)) \(offset)+\(end - offset)")
    }

    private func verify(reference: UInt8, pin candidate: [UInt8]) -> Answer {
        guard reference == PKCS15Layout.userPINReference else {
            return Answer(sw: 0x6A88, "VERIFY of unknown PIN reference \(hex(reference))")
        }
        return state.withLock { state in
            if state.retriesLeft == 0 {
                return Answer(sw: 0x6983, "VERIFY: PIN blocked")
            }
            if candidate.isEmpty {
                if state.pinVerified { return Answer(sw: 0x9000, "VERIFY status: verified") }
                return Answer(sw: 0x63C0 | UInt16(min(state.retriesLeft, 15)),
                              "VERIFY status: \(state.retriesLeft) tries left")
            }
            if constantTimeEqual(candidate, pin) {
                state.pinVerified = true
                state.retriesLeft = maximumRetries
                return Answer(sw: 0x9000, "VERIFY: PIN accepted")
            }
            state.pinVerified = false
            state.retriesLeft -= 1
            return Answer(sw: 0x63C0 | UInt16(min(state.retriesLeft, 15)),
                          "VERIFY: wrong PIN, \(state.retriesLeft) tries left")
        }
    }

    private func logout() -> Answer {
        state.withLock { state in
            state.pinVerified = false
            state.signingKeyReference = nil
        }
        return Answer(sw: 0x9000, "LOGOUT")
    }

    private func manageSecurityEnvironment(p1: UInt8, p2: UInt8, data: [UInt8]) -> Answer {
        if p1 == 0xF3 { return Answer(sw: 0x9000, "MSE:RESTORE") }
        guard p1 == 0x41, p2 == 0xB6 else {
            return Answer(sw: 0x6A81, "MSE \(hex(p1)) \(hex(p2)) unsupported (signing only)")
        }
        guard let reference = keyReference(in: data) else {
            return Answer(sw: 0x6A80, "MSE:SET without key reference (tag 84)")
        }
        guard keys[reference] != nil else { return Answer(sw: 0x6A88, "MSE:SET key \(hex(reference)): no such key") }
        state.withLock { $0.signingKeyReference = reference }
        return Answer(sw: 0x9000, "MSE:SET sign, key \(hex(reference))")
    }

    private func performSecurityOperation(p1: UInt8, p2: UInt8, data: [UInt8]) -> Answer {
        guard p1 == 0x9E, p2 == 0x9A else { return Answer(sw: 0x6A81, "PSO \(hex(p1)) \(hex(p2)) unsupported") }
        let (verified, reference, delay) = state.withLock { ($0.pinVerified, $0.signingKeyReference, $0.signDelay) }
        guard verified else { return Answer(sw: 0x6982, "PSO:CDS refused: PIN not verified") }
        guard let reference, let key = keys[reference] else {
            return Answer(sw: 0x6985, "PSO:CDS refused: no MSE:SET")
        }
        guard data.count == key.keySize.digest.byteCount else {
            return Answer(sw: 0x6700, "PSO:CDS with \(data.count) bytes, digest of \(key.keySize.digest.byteCount) expected")
        }
        do {
            // The card receives the digest as PKCS#11 would get it and answers r_le‖s_le, the
            // byte-reverse of s‖r (research/gost-token.md §7.3).
            let signature = try key.sign(digest: GOSTByteOrder.rutokenCommandData(forDigest: Data(data)))
            state.withLock { $0.signatures += 1 }
            return Answer(response: GOSTByteOrder.signature(fromRutokenResponse: signature) + Data([0x90, 0x00]),
                          delay: delay, summary: "PSO:CDS with key \(hex(reference))")
        } catch {
            return Answer(sw: 0x6F00, "PSO:CDS failed: \(error)")
        }
    }

    private func getData(p1: UInt8, p2: UInt8) -> Answer {
        guard p1 == 0x01, p2 == 0x81 else { return Answer(sw: 0x6A88, "GET DATA \(hex(p1)) \(hex(p2))") }
        return Answer(data: serial, sw: 0x9000, "GET DATA serial")
    }

    private func getChallenge(le: Int) -> Answer {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<le).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Answer(data: Data(bytes), sw: 0x9000, "GET CHALLENGE \(le)")
    }

    // MARK: file system

    private func file(at path: [UInt16]) -> CardFile? {
        guard path.first == masterFile.id else { return nil }
        var current = masterFile
        for id in path.dropFirst() {
            guard let next = current.child(id) else { return nil }
            current = next
        }
        return current
    }

    private func path(ofDirectoryNamed name: Data, under directory: CardFile, at path: [UInt16]) -> [UInt16]? {
        if directory.directoryName == name { return path }
        for child in directory.children where child.isDirectory {
            if let found = self.path(ofDirectoryNamed: name, under: child, at: path + [child.id]) { return found }
        }
        return nil
    }

    /// The key reference from an MSE:SET control reference template (tag `84`, one byte).
    private func keyReference(in template: [UInt8]) -> UInt8? {
        var index = 0
        while index + 1 < template.count {
            let tag = template[index], length = Int(template[index + 1])
            guard index + 2 + length <= template.count else { return nil }
            if tag == 0x84, length == 1 { return template[index + 2] }
            index += 2 + length
        }
        return nil
    }
}

private extension VirtualRutoken.Answer {
    init(data: Data = Data(), sw: UInt16, _ summary: String) {
        self.init(response: data + Data([UInt8(sw >> 8), UInt8(sw & 0xFF)]), delay: .zero, summary: summary)
    }
}

private func fileIDs(_ bytes: [UInt8]) -> [UInt16] {
    stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
}

private func hexPath(_ ids: [UInt16]) -> String {
    ids.map { String(format: "%04X", $0) }.joined(separator: "/")
}

private func hex(_ byte: UInt8) -> String { String(format: "%02X", byte) }

/// Compares without an early exit, so timing does not reveal how much of a PIN was right.
private func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}
