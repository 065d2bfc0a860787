import Foundation

/// A peer program (openssl s_server, curl, python3…) started by a test and stopped by its PID.
public final class PeerProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in init and then read; Process itself is thread-safe
    // for terminate/isRunning.

    public let process: Process
    /// The loopback port the peer was told to listen on (0 for clients).
    public let port: Int
    private let outputPath: String
    /// A server's stdin stays open while it runs (s_server quits on end of input).
    private let input: Pipe?

    private init(process: Process, port: Int, outputPath: String, input: Pipe?) {
        self.process = process
        self.port = port
        self.outputPath = outputPath
        self.input = input
    }

    /// A port on 127.0.0.1 that was free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw PeerFailure("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts a server with a free port substituted into its arguments and waits until it accepts
    /// TCP connections on 127.0.0.1. Output (stdout and stderr) goes to a file readable by `output`.
    public static func startServer(_ executable: String, arguments: (Int) -> [String],
                                   environment: [String: String] = OpenSSLCLI.environment,
                                   directory: URL? = nil, stdin: Data? = nil) throws -> PeerProcess {
        var lastError: Error = PeerFailure("\(executable) never started")
        for _ in 0..<3 {
            let port = try freePort()
            let peer = try launch(executable, arguments: arguments(port), environment: environment,
                                  directory: directory, port: port, stdin: stdin)
            if peer.waitUntilListening(timeout: 10) { return peer }
            peer.stop()
            lastError = PeerFailure("\(executable) did not listen on 127.0.0.1:\(port): \(peer.output)")
        }
        throw lastError
    }

    /// Starts a server whose port was chosen beforehand (it is in the server's own configuration)
    /// and waits until it accepts TCP connections there.
    public static func startServer(_ executable: String, arguments: [String], listeningOn port: Int,
                                   environment: [String: String] = OpenSSLCLI.environment) throws -> PeerProcess {
        let peer = try launch(executable, arguments: arguments, environment: environment, directory: nil, port: port, stdin: nil)
        guard peer.waitUntilListening(timeout: 20) else {
            peer.stop()
            throw PeerFailure("\(executable) did not listen on 127.0.0.1:\(port): \(peer.output)")
        }
        return peer
    }

    /// Starts a client process; use `waitForExit(timeout:)` to collect it.
    public static func startClient(_ executable: String, arguments: [String],
                                   environment: [String: String] = OpenSSLCLI.environment,
                                   stdin: Data? = nil) throws -> PeerProcess {
        try launch(executable, arguments: arguments, environment: environment, directory: nil, port: 0, stdin: stdin)
    }

    private static func launch(_ executable: String, arguments: [String], environment: [String: String],
                               directory: URL?, port: Int, stdin: Data?) throws -> PeerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("gosgate-peer-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        try process.run()
        try output.close()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        if port == 0 { try input.fileHandleForWriting.close() }
        return PeerProcess(process: process, port: port, outputPath: outputPath, input: port == 0 ? nil : input)
    }

    /// Writes `text` to a server's standard input (`openssl s_server` takes commands there).
    public func send(_ text: String) {
        input?.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Everything the peer printed so far.
    public var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Waits for the process to exit; kills it after `timeout` seconds. Returns its exit status.
    @discardableResult
    public func waitForExit(timeout: TimeInterval) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { stop() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The exit status once the process ends within `seconds`, nil while it still runs; waits
    /// without holding a thread (for tests whose servers run in this process).
    public func exitStatus(within seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops the peer by its PID (SIGTERM, then SIGKILL).
    ///
    /// Children spawned from dispatch worker threads inherit a mask that blocks SIGTERM, so the
    /// grace period is short and SIGKILL does the work in that case.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(0.2)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? input?.fileHandleForWriting.close()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    private func waitUntilListening(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else { return false }
            if Self.canConnect(port: port) { return true }
            usleep(25_000)
        }
        return false
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// A peer that could not be started or did not behave.
public struct PeerFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
