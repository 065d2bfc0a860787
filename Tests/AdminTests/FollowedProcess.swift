import Foundation
import Synchronization

/// A long-running child (`audit tail -f`) whose output lines are read as they come, by a plain
/// thread doing blocking reads on the pipe; `stop()` kills it by the PID this test started.
final class FollowedProcess: Sendable {
    private struct Output {
        var pending = ""
        var lines: [String] = []
        var finished = false
    }

    private let process: Process
    private let output = Mutex(Output())

    init(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                self.output.withLock { output in
                    output.pending += text
                    while let newline = output.pending.firstIndex(of: "\n") {
                        output.lines.append(String(output.pending[..<newline]))
                        output.pending = String(output.pending[output.pending.index(after: newline)...])
                    }
                }
            }
            self.output.withLock { $0.finished = true }
            withExtendedLifetime(pipe) {}
        }
    }

    struct Timeout: Error, CustomStringConvertible {
        var description: String { "no line from the followed process in time" }
    }

    /// The next complete line, waiting up to `timeout` seconds.
    func nextLine(timeout: TimeInterval) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (line, finished) = output.withLock { output -> (String?, Bool) in
                (output.lines.isEmpty ? nil : output.lines.removeFirst(), output.finished)
            }
            if let line { return line }
            if finished { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Timeout()
    }

    /// Ends the child (SIGTERM to its PID) and reaps it.
    func stop() {
        let pid = process.processIdentifier
        if process.isRunning { kill(pid, SIGTERM) }
        var status: Int32 = 0
        // Reaped here or by Foundation's own handler; either way the child is gone.
        _ = waitpid(pid, &status, 0)
    }
}
