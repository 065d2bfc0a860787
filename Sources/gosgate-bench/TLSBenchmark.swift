import ArgumentParser
import Foundation
import GOST
import NIOCore
import TLS
import Upstream

/// `gosgate-bench tls`: GOST TLS bulk throughput and handshake rate of our client against
/// `openssl s_server`, next to `openssl s_client` / `openssl s_time` doing the same on the same
/// server, with `openssl speed -evp` as the cipher's ceiling; then 1 GiB streamed each way through
/// `UpstreamClient` with the process's peak memory.
struct TLSBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "GOST TLS MB/s and handshakes/s: gosgate vs openssl s_client/s_time; 1 GiB streaming memory."
    )

    @Option(help: "Size of each bulk download over GOST TLS, in MiB.")
    var megabytes = 64

    @Option(help: "Seconds per handshake-rate measurement.")
    var seconds = 3

    @Option(help: "GiB streamed each way through UpstreamClient (0 skips).")
    var streamGibibytes = 1

    @Option(help: "Runs of each measurement, alternating gosgate and openssl; the best run counts.")
    var repeats = 2

    /// The suites measured, with the `openssl speed` cipher that bounds each.
    static let suites: [(suite: String, cipher: String)] = [
        ("GOST2012-KUZNYECHIK-KUZNYECHIKOMAC", "kuznyechik-ctr-acpkm-omac"),
        ("LEGACY-GOST2012-GOST8912-GOST8912", "gost89-cnt-12"),
    ]

    func run() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        print("gosgate-bench tls: \(megabytes) MiB downloads, \(seconds) s handshake runs, loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("peer: \(try workspace.openssl(["version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)) + gost engine\n")

        let payload = workspace.path("payload.bin")
        try Self.writePayload(to: payload, size: megabytes << 20)
        let identity = try workspace.makeGOSTServerIdentity()

        var ratios: [(String, Double)] = []
        for (suite, cipher) in Self.suites {
            print("suite \(suite)")
            let server = try workspace.startServer("/usr/bin/openssl") { port in
                ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", identity.certificate, "-key", identity.key,
                 "-cipher", suite, "-tls1_2", "-WWW", "-quiet"]
            }
            defer { server.stop() }

            let ceiling = try cipherSpeed(cipher, workspace: workspace)
            var (ours, theirs, ourHandshakes, theirHandshakes) = (0.0, 0.0, 0.0, 0.0)
            // Alternating runs, best of each: the machine is shared, so single runs are noisy.
            for _ in 0..<max(1, repeats) {
                ours = max(ours, try await ourDownload(port: server.port, suite: suite, ca: identity.ca))
                theirs = max(theirs, try opensslDownload(port: server.port, suite: suite, workspace: workspace))
            }
            print(Self.row("bulk download", ours: ours, theirs: theirs, unit: "MB/s", peer: "openssl s_client"))
            print("    cipher ceiling: openssl speed -evp \(cipher) \(Self.number(ceiling)) MB/s (encryption only);"
                  + " gosgate at \(Self.number(ours / ceiling))× of it")

            for _ in 0..<max(1, repeats) {
                ourHandshakes = max(ourHandshakes, try await ourHandshakeRate(port: server.port, suite: suite, ca: identity.ca))
                theirHandshakes = max(theirHandshakes, try opensslHandshakeRate(port: server.port, suite: suite, ca: identity.ca,
                                                                                workspace: workspace))
            }
            print(Self.row("handshakes", ours: ourHandshakes, theirs: theirHandshakes, unit: "/s", peer: "openssl s_time"))
            print("")
            ratios.append(("\(suite) throughput", ours / theirs))
            ratios.append(("\(suite) handshakes", ourHandshakes / theirHandshakes))
        }

        if streamGibibytes > 0 { try await streaming(workspace: workspace) }

        print("ratios (gosgate / openssl, goal ≥ 0.8):")
        for (name, ratio) in ratios { print("  \(name.padding(toLength: 50, withPad: " ", startingAt: 0)) \(Self.number(ratio))") }
    }

    // MARK: bulk throughput

    private func cipherSpeed(_ cipher: String, workspace: Workspace) throws -> Double {
        let output = try workspace.openssl(["speed", "-mr", "-elapsed", "-evp", cipher, "-bytes", "16384",
                                            "-seconds", String(seconds)]).output
        // Machine-readable line: +F:<n>:<name>:<bytes per second>
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("+F:") }),
              let bytesPerSecond = line.split(separator: ":").last.flatMap({ Double($0) })
        else { throw ValidationError("unreadable `openssl speed` output: \(output)") }
        return bytesPerSecond / 1e6
    }

    private func ourDownload(port: Int, suite: String, ca: String) async throws -> Double {
        let origin = Origin(scheme: .https, host: "localhost", port: port)
        var configuration = UpstreamConfiguration()
        configuration.tlsPerOrigin[origin] = .gostClient(trustRoots: .file(ca), cipherList: suite)
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }
        let started = ContinuousClock.now
        let response = try await client.execute(UpstreamRequest(origin: origin, target: "/payload.bin"))
        guard response.tls?.cipherSuite == suite else { throw ValidationError("negotiated \(String(describing: response.tls?.cipherSuite))") }
        var received = 0
        for try await chunk in response.body { received += chunk.readableBytes }
        let elapsed = Self.seconds(ContinuousClock.now - started)
        guard received == megabytes << 20 else { throw ValidationError("gosgate received \(received) bytes") }
        return Double(received) / elapsed / 1e6
    }

    private func opensslDownload(port: Int, suite: String, workspace: Workspace) throws -> Double {
        let started = ContinuousClock.now
        let result = try workspace.run("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(port)", "-cipher", suite, "-quiet", "-ign_eof",
        ], stdin: "GET /payload.bin HTTP/1.0\r\n\r\n", countOnly: true)
        let elapsed = Self.seconds(ContinuousClock.now - started)
        // s_server -WWW sends a short status line and header before the file.
        guard result.byteCount >= megabytes << 20 else {
            throw ValidationError("openssl s_client received \(result.byteCount) bytes: \(result.errors)")
        }
        return Double(megabytes << 20) / elapsed / 1e6
    }

    // MARK: handshakes

    private func ourHandshakeRate(port: Int, suite: String, ca: String) async throws -> Double {
        var configuration = TLSConfiguration.gostClient(trustRoots: .file(ca), cipherList: suite)
        configuration.sessionResumption = false  // full handshakes, like `s_time -new`
        let context = try TLSContext(configuration: configuration)
        let origin = Origin(scheme: .https, host: "localhost", port: port)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        var count = 0
        while ContinuousClock.now < deadline {
            let connection = try await UpstreamConnector.connect(to: origin, tlsContext: context, connectTimeout: .seconds(5))
            try await connection.channel.close()
            count += 1
        }
        return Double(count) / Self.seconds(ContinuousClock.now - started)
    }

    private func opensslHandshakeRate(port: Int, suite: String, ca: String, workspace: Workspace) throws -> Double {
        let started = ContinuousClock.now
        // Verifying the chain, as gosgate does on every handshake.
        let output = try workspace.run("/usr/bin/openssl", [
            "s_time", "-connect", "127.0.0.1:\(port)", "-new", "-cipher", suite, "-time", String(seconds),
            "-verify", "2", "-CAfile", ca,
        ]).output
        let elapsed = Self.seconds(ContinuousClock.now - started)
        // "1234 connections in 3.01s; 410.00 connections/user sec, bytes read 0"
        guard let line = output.split(separator: "\n").first(where: { $0.contains("connections in") && $0.contains("real") })
                ?? output.split(separator: "\n").first(where: { $0.contains("connections in") }),
              let count = line.split(separator: " ").first.flatMap({ Double($0) })
        else { throw ValidationError("unreadable `openssl s_time` output: \(output)") }
        return count / elapsed
    }

    // MARK: 1 GiB streaming

    private func streaming(workspace: Workspace) async throws {
        let size = streamGibibytes << 30
        let script = workspace.path("stream_peer.py")
        try Self.streamPeer.write(toFile: script, atomically: true, encoding: .utf8)
        let server = try workspace.startServer("/usr/bin/python3") { port in [script, String(port)] }
        defer { server.stop() }
        let origin = Origin(scheme: .http, host: "127.0.0.1", port: server.port)
        let client = UpstreamClient()
        defer { client.shutdown() }
        print("streaming \(streamGibibytes) GiB through UpstreamClient (plain HTTP to a Python peer; memory is the point)")

        let peakBefore = Self.peakResidentMiB
        var started = ContinuousClock.now
        let download = try await client.execute(UpstreamRequest(origin: origin, target: "/\(size)"))
        var received = 0
        for try await chunk in download.body { received += chunk.readableBytes }
        guard received == size else { throw ValidationError("download ended after \(received) bytes") }
        var rate = Double(size) / Self.seconds(ContinuousClock.now - started) / 1e6
        print("  download  \(Self.number(rate)) MB/s, peak RSS (VmHWM) \(peakBefore) → \(Self.peakResidentMiB) MiB")

        started = ContinuousClock.now
        let chunk = ByteBuffer(repeating: 0x5A, count: 1 << 20)
        let upload = try await client.execute(UpstreamRequest(
            method: .POST, origin: origin, target: "/",
            body: .stream(length: size) { writer in
                for _ in 0..<(size >> 20) { try await writer.write(chunk) }
            }))
        let answer = String(buffer: try await upload.body.collect(upTo: 100))
        guard answer == String(size) else { throw ValidationError("the peer counted \(answer) bytes") }
        rate = Double(size) / Self.seconds(ContinuousClock.now - started) / 1e6
        print("  upload    \(Self.number(rate)) MB/s, peak RSS (VmHWM) now \(Self.peakResidentMiB) MiB\n")
    }

    /// GET /<n> answers n bytes; POST answers the number of body bytes it read.
    static let streamPeer = #"""
import http.server, sys
BLOCK = b"\x5a" * (1 << 20)
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        n = int(self.path[1:])
        self.send_response(200)
        self.send_header("Content-Length", str(n))
        self.end_headers()
        while n:
            part = min(n, len(BLOCK))
            self.wfile.write(BLOCK[:part])
            n -= part
    def do_POST(self):
        remaining, total = int(self.headers["Content-Length"]), 0
        while remaining:
            data = self.rfile.read(min(remaining, 1 << 20))
            if not data:
                break
            total += len(data)
            remaining -= len(data)
        body = str(total).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""#

    // MARK: formatting and helpers

    private static func row(_ name: String, ours: Double, theirs: Double, unit: String, peer: String) -> String {
        "  \(name.padding(toLength: 14, withPad: " ", startingAt: 0)) gosgate \(number(ours)) \(unit)   "
            + "\(peer) \(number(theirs)) \(unit)   ratio \(number(ours / theirs))"
    }

    private static func number(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) / 1e18
    }

    private static var peakResidentMiB: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) / 1024
    }

    private static func writePayload(to path: String, size: Int) throws {
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for index in block.indices { block[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        for _ in 0..<(size >> 20) { try handle.write(contentsOf: block) }
    }
}

extension TLSBenchmark {
    /// A temporary directory with an `OPENSSL_CONF` that loads the GOST engine for child processes,
    /// and the processes started in it.
    struct Workspace {
        let directory: URL
        let environment: [String: String]

        /// A GOST CA and server certificate made with the `openssl` CLI.
        struct Identity {
            let ca: String
            let certificate: String
            let key: String
        }

        /// What a finished child printed.
        struct Result {
            let output: String
            let errors: String
            let byteCount: Int
        }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-bench-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            environment = try OpenSSLEngineEnvironment.make(in: directory)
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        func openssl(_ arguments: [String]) throws -> Result {
            let result = try run("/usr/bin/openssl", arguments)
            return result
        }

        func makeGOSTServerIdentity() throws -> Identity {
            let (caKey, ca, key, request, certificate) = (path("ca.key"), path("ca.pem"), path("server.key"),
                                                          path("server.csr"), path("server.pem"))
            let extensions = path("server.ext")
            try "subjectAltName=DNS:localhost,IP:127.0.0.1\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                .write(toFile: extensions, atomically: true, encoding: .utf8)
            for arguments in [
                ["genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", caKey],
                ["req", "-new", "-x509", "-key", caKey, "-out", ca, "-days", "2", "-subj", "/CN=gosgate bench CA",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
                ["genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", key],
                ["req", "-new", "-key", key, "-out", request, "-subj", "/CN=localhost"],
                ["x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-set_serial", "1", "-days", "2",
                 "-extfile", extensions, "-out", certificate],
            ] {
                let result = try run("/usr/bin/openssl", arguments)
                guard FileManager.default.fileExists(atPath: arguments[arguments.firstIndex(of: "-out")! + 1]) else {
                    throw ValidationError("openssl \(arguments.joined(separator: " ")) failed: \(result.errors)")
                }
            }
            return Identity(ca: ca, certificate: certificate, key: key)
        }

        /// Runs a child to completion; `countOnly` counts stdout bytes instead of keeping them.
        func run(_ executable: String, _ arguments: [String], stdin: String? = nil, countOnly: Bool = false) throws -> Result {
            let child = try Child(executable, arguments, environment: environment, directory: directory.path,
                                  captureOutput: true)
            if let stdin { child.write(stdin) }
            child.closeInput()
            let errors = ErrorCollector(fd: child.errorFD)
            var kept = [UInt8]()
            var count = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let got = buffer.withUnsafeMutableBytes { read(child.outputFD, $0.baseAddress, $0.count) }
                if got < 0, errno == EINTR { continue }
                if got <= 0 { break }
                count += got
                if !countOnly { kept.append(contentsOf: buffer[0..<got]) }
            }
            child.wait()
            return Result(output: String(decoding: kept, as: UTF8.self), errors: errors.text, byteCount: count)
        }

        /// Starts a server with a free loopback port and waits until it accepts connections.
        func startServer(_ executable: String, arguments: (Int) -> [String]) throws -> Server {
            let port = try Server.freePort()
            let child = try Child(executable, arguments(port), environment: environment, directory: directory.path,
                                  captureOutput: false)
            let server = Server(child: child, port: port)
            let deadline = Date().addingTimeInterval(10)
            while !Server.accepts(port: port) {
                guard child.isRunning, Date() < deadline else {
                    server.stop()
                    throw ValidationError("\(executable) did not listen on 127.0.0.1:\(port)")
                }
                usleep(20_000)
            }
            return server
        }
    }

    /// A child process spawned with a clean signal mask.
    ///
    /// Foundation's `Process` hands children the spawning thread's mask, and the threads async code
    /// runs on block SIGALRM and SIGTERM: `openssl speed -seconds` would then never stop.
    final class Child: @unchecked Sendable {
        // @unchecked: file descriptors and the PID are set once in init.
        let pid: pid_t
        let outputFD: Int32
        let errorFD: Int32
        private var inputFD: Int32
        private var exited = false

        init(_ executable: String, _ arguments: [String], environment: [String: String], directory: String,
             captureOutput: Bool) throws {
            var input: [Int32] = [0, 0], output: [Int32] = [0, 0], errors: [Int32] = [0, 0]
            guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else {
                throw ValidationError("pipe() failed")
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, input[0], 0)
            if captureOutput {
                posix_spawn_file_actions_adddup2(&actions, output[1], 1)
                posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
            } else {
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
            for fd in input + output + errors { posix_spawn_file_actions_addclose(&actions, fd) }

            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var mask = sigset_t()
            sigemptyset(&mask)
            posix_spawnattr_setsigmask(&attributes, &mask)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGALRM, SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

            // The shell only changes directory (posix_spawn's chdir action is not exported to Swift).
            let command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments
            let argv = command.map { strdup($0) } + [nil]
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { (argv + envp).forEach { free($0) } }
            var pid: pid_t = 0
            let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            close(input[0])
            close(output[1])
            close(errors[1])
            guard status == 0 else {
                [input[1], output[0], errors[0]].forEach { close($0) }
                throw ValidationError("cannot start \(executable): \(String(cString: strerror(status)))")
            }
            self.pid = pid
            self.inputFD = input[1]
            self.outputFD = output[0]
            self.errorFD = errors[0]
        }

        deinit {
            closeInput()
            close(outputFD)
            close(errorFD)
        }

        func write(_ text: String) {
            _ = text.utf8CString.withUnsafeBytes { Glibc.write(inputFD, $0.baseAddress, $0.count - 1) }
        }

        func closeInput() {
            if inputFD >= 0 { close(inputFD) }
            inputFD = -1
        }

        var isRunning: Bool {
            guard !exited else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { exited = true }
            return !exited
        }

        func wait() {
            guard !exited else { return }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            exited = true
        }
    }

    /// Reads a child's stderr on another thread so a chatty child cannot block on a full pipe.
    final class ErrorCollector: @unchecked Sendable {
        // @unchecked: `data` is written by the reader thread and read after `group.wait()`.
        private var data = [UInt8]()
        private let group = DispatchGroup()

        init(fd: Int32) {
            group.enter()
            DispatchQueue.global().async {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if got < 0, errno == EINTR { continue }
                    if got <= 0 { break }
                    self.data.append(contentsOf: buffer[0..<got])
                }
                self.group.leave()
            }
        }

        var text: String {
            group.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// A server child process, stopped by its PID.
    struct Server {
        let child: Child
        let port: Int

        func stop() {
            guard child.isRunning else { return }
            kill(child.pid, SIGTERM)
            child.wait()
        }

        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard ok else { throw ValidationError("no free loopback port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        static func accepts(port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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
}
