import Foundation

/// Run-time switches of the virtual card, read line by line from standard input and, with
/// `--control PATH`, from a Unix stream socket (`echo remove | socat - UNIX-CONNECT:PATH`).
///
/// Every command gets one line back: `ok`, `error: …`, or for `status` a JSON object.
struct CardControl: Sendable {
    /// The commands, as documented in `--help`.
    static let help = """
          remove      pull the card out (vpcd reports it removed)
          insert      put it back
          reinsert    remove, then insert after 200 ms
          slow MS     wait MS ms before answering each PSO:CDS (0: normal)
          lock        block the user PIN (VERIFY answers 69 83)
          unlock      restore the full PIN retry counter
          status      one JSON line: inserted, connected, pinVerified,
                      retriesLeft, maximumRetries, locked, signatures,
                      signDelayMilliseconds
        """

    let card: VirtualRutoken
    let link: VPCDLink
    let log: CardLog

    /// Executes one command line and returns the reply line.
    func execute(_ line: String) -> String {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let command = words.first?.lowercased() else { return "error: empty command" }
        switch (command, words.count) {
        case ("remove", 1):
            link.remove()
        case ("insert", 1):
            link.insert()
        case ("reinsert", 1):
            link.remove()
            Thread.sleep(forTimeInterval: 0.2)
            link.insert()
        case ("slow", 2):
            guard let milliseconds = Int(words[1]), milliseconds >= 0 else {
                return "error: slow needs a number of milliseconds, got \(words[1])"
            }
            card.setSignDelay(.milliseconds(milliseconds))
            log.event("signing delay set to \(milliseconds) ms")
        case ("lock", 1):
            card.lock()
            log.event("user PIN blocked")
        case ("unlock", 1):
            card.unlock()
            log.event("user PIN retry counter restored")
        case ("status", 1):
            return statusLine
        default:
            return "error: unknown command \(line.debugDescription); commands: remove, insert, reinsert, slow MS, lock, unlock, status"
        }
        return "ok"
    }

    private var statusLine: String {
        struct Report: Encodable {
            let inserted: Bool
            let connected: Bool
            let pinVerified: Bool
            let retriesLeft: Int
            let maximumRetries: Int
            let locked: Bool
            let signatures: Int
            let signDelayMilliseconds: Int
        }
        let status = card.status
        let report = Report(inserted: link.isInserted, connected: link.isConnected, pinVerified: status.pinVerified,
                            retriesLeft: status.retriesLeft, maximumRetries: status.maximumRetries,
                            locked: status.locked, signatures: status.signatures,
                            signDelayMilliseconds: status.signDelayMilliseconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(report) else { return "error: cannot encode status" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads commands from standard input until it closes, answering on standard output.
    func serveStandardInput() {
        while let line = readLine() {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            FileHandle.standardOutput.write(Data((execute(line) + "\n").utf8))
        }
    }

    /// Accepts connections on a Unix socket at `path`; each line received is a command.
    func serveSocket(at path: String) throws {
        unlink(path)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ControlError("cannot create the control socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ControlError("control socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(listener, 4) == 0 else {
            throw ControlError("cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        chmod(path, 0o600)
        let control = self
        Thread.detachNewThread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                Thread.detachNewThread { control.serveConnection(connection) }
            }
        }
    }

    private func serveConnection(_ connection: Int32) {
        defer { close(connection) }
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            pending.append(contentsOf: buffer[0..<n])
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let reply = Array((execute(line) + "\n").utf8)
                _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        }
    }
}

/// A control socket that could not be set up.
struct ControlError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
