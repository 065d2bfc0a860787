import Foundation

/// A long-running child (`audit tail -f`) whose output lines are read as they come; `stop()` kills
/// it by the PID this test started.
final class FollowedProcess: @unchecked Sendable {
    // @unchecked: `buffer` is touched only on `queue`.
    private let process = Process()
    private let queue = DispatchQueue(label: "followed-process")
    private var buffer = ""
    private var lines: [String] = []
    private var finished = false

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.queue.sync {
                if data.isEmpty { self.finished = true; handle.readabilityHandler = nil; return }
                self.buffer += String(decoding: data, as: UTF8.self)
                while let newline = self.buffer.firstIndex(of: "\n") {
                    self.lines.append(String(self.buffer[..<newline]))
                    self.buffer = String(self.buffer[self.buffer.index(after: newline)...])
                }
            }
        }
        try process.run()
    }

    struct Timeout: Error, CustomStringConvertible {
        var description: String { "no line from the followed process in time" }
    }

    /// The next complete line, waiting up to `timeout` seconds.
    func nextLine(timeout: TimeInterval) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let line: String? = queue.sync { lines.isEmpty ? nil : lines.removeFirst() }
            if let line { return line }
            if queue.sync(execute: { finished }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Timeout()
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }
}
