import Foundation

/// Runs the system `openssl` command with the GOST engine, as an independent peer for tests.
///
/// The engine is loaded through a private `OPENSSL_CONF` written to a temporary directory, so the
/// system configuration is never touched (research/gost-token.md §3.1).
public enum OpenSSLCLI {
    /// Result of one `openssl` run.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Path of the generated config that loads the GOST engine.
    public static let configPath: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-openssl-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("engine.cnf").path
        let conf = """
        openssl_conf = openssl_init
        [openssl_init]
        engines = engine_sect
        [engine_sect]
        gost = gost_sect
        [gost_sect]
        engine_id = gost
        dynamic_path = \(enginePath)
        default_algorithms = ALL

        """
        try? conf.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    /// Debian's engine location, as `openssl version -e` reports it.
    public static let enginePath: String = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        probe.arguments = ["version", "-e"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try? probe.run()
        probe.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if let open = text.firstIndex(of: "\""), let close = text.lastIndex(of: "\""), open < close {
            return String(text[text.index(after: open)..<close]) + "/gost.so"
        }
        return "/usr/lib/x86_64-linux-gnu/engines-3/gost.so"
    }()

    /// Environment for child processes (openssl, curl, s_server) that must see the GOST engine.
    public static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["OPENSSL_CONF"] = configPath
        return env
    }

    /// Runs `openssl ARGS`, feeding `stdin` if given, and waits for it.
    @discardableResult
    public static func run(_ arguments: [String], stdin: Data? = nil, in directory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting so a large output cannot deadlock the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: outData,
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `openssl ARGS` and throws with its stderr unless it exits 0.
    @discardableResult
    public static func check(_ arguments: [String], stdin: Data? = nil, in directory: URL? = nil) throws -> Output {
        let output = try run(arguments, stdin: stdin, in: directory)
        guard output.status == 0 else {
            throw CLIFailure(command: "openssl " + arguments.joined(separator: " "), status: output.status,
                             stderr: output.stderr)
        }
        return output
    }
}

/// A peer command that exited non-zero.
public struct CLIFailure: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let stderr: String
    public var description: String { "\(command) exited \(status): \(stderr)" }

    public init(command: String, status: Int32, stderr: String) {
        self.command = command
        self.status = status
        self.stderr = stderr
    }
}
