import Foundation

/// Runs a peer program (curl, openssl s_client, sqlite3, the gosgate-stand binary) without blocking a
/// Swift concurrency thread while it runs.
///
/// Tests that talk to a server running in the same process must not block the cooperative pool
/// while they wait for the peer: the server's request handlers need those threads to answer.
public enum ChildProcess {
    /// What a finished program left behind.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `executable ARGS` to completion; it is killed (by its PID) after `timeout` seconds.
    public static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                           environment: [String: String] = OpenSSLCLI.environment,
                           directory: URL? = nil, timeout: TimeInterval = 120) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("stdout"), errPath = scratch.appendingPathComponent("stderr")
        let inPath = scratch.appendingPathComponent("stdin")
        FileManager.default.createFile(atPath: outPath.path, contents: nil)
        FileManager.default.createFile(atPath: errPath.path, contents: nil)
        FileManager.default.createFile(atPath: inPath.path, contents: stdin ?? Data())

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let out = try FileHandle(forWritingTo: outPath), err = try FileHandle(forWritingTo: errPath)
        let input = try FileHandle(forReadingFrom: inPath)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input

        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak process] in
                if let process, process.isRunning, process.processIdentifier == pid { kill(pid, SIGKILL) }
            }
        }
        try? out.close()
        try? err.close()
        try? input.close()
        return Result(status: status, stdout: (try? Data(contentsOf: outPath)) ?? Data(),
                      stderr: (try? String(contentsOf: errPath, encoding: .utf8)) ?? "")
    }
}
