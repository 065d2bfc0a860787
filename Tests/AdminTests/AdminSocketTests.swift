import Admin
import Foundation
import Systemd
import Testing
import TestSupport

/// The socket file: stale ones are replaced, live ones never, the file goes away with the server,
/// and a socket passed by systemd is served as is.
@Suite(.serialized)
struct AdminSocketTests {
    /// Runs a second server on `listener` with the harness's API until `body` returns.
    private func withServer(_ harness: AdminHarness, _ listener: AdminServer.Listener,
                            _ body: () async throws -> Void) async throws {
        let (events, sink) = AsyncStream<String>.makeStream()
        let server = AdminServer(api: harness.api, listener: listener, logger: harness.logger,
                                 onListening: { path in sink.yield(path) })
        let task = Task { try await server.run() }
        var iterator = events.makeAsyncIterator()
        _ = await iterator.next()
        do {
            try await body()
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }

    @Test func staleSocketIsReplacedAndRemovedOnStop() async throws {
        try await AdminHarness.with { harness in
            let path = harness.directory.path("stale.sock")
            // A socket file nobody listens on, as a crashed daemon leaves it (made by Python).
            let made = try await ChildProcess.run("/usr/bin/env", [
                "python3", "-c", "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", path,
            ], environment: ProcessInfo.processInfo.environment)
            #expect(made.status == 0, "\(made.stderr)")
            #expect(FileManager.default.fileExists(atPath: path))
            try await withServer(harness, .path(AdminSocketSettings(path: path, mode: 0o600, group: nil))) {
                let peer = try await Curl.run(["--unix-socket", path, "http://gosgate/v1/peer"])
                #expect(peer.status == 200, "\(peer.stderr)")
                let mode = try await ChildProcess.run("/usr/bin/stat", ["-c", "%a", path])
                #expect(mode.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "600")
            }
            #expect(!FileManager.default.fileExists(atPath: path), "the server removes the socket it created")
        }
    }

    @Test func stoppingWhileClientsKeepConnectingIsClean() async throws {
        try await AdminHarness.with { harness in
            // Clients connect as fast as they can (Python) while servers start and stop under them:
            // a connection accepted as the listener closes must not bring the process down.
            let path = harness.directory.path("busy.sock")
            let hammer = """
            import socket, sys, time
            end = time.time() + float(sys.argv[2])
            while time.time() < end:
                try:
                    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
                    s.sendall(b"GET /v1/peer HTTP/1.1\\r\\nHost: gosgate\\r\\n\\r\\n"); s.close()
                except OSError:
                    time.sleep(0.001)
            """
            async let load = ChildProcess.run("/usr/bin/python3", ["-c", hammer, path, "6"])
            for _ in 0..<20 {
                try await withServer(harness, .path(AdminSocketSettings(path: path, mode: 0o600, group: nil))) {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(try await load.status == 0)
            // Every connection the servers accepted is closed with them, served or not.
            var leaked = Self.descriptors(boundTo: path)
            for _ in 0..<20 where !leaked.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                leaked = Self.descriptors(boundTo: path)
            }
            #expect(leaked.isEmpty, "descriptors still open on \(path): \(leaked)")
        }
    }

    /// This process's open sockets whose local address is the Unix socket `path`.
    private static func descriptors(boundTo path: String) -> [CInt] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap(CInt.init).filter { descriptor in
            var address = sockaddr_un()
            var length = socklen_t(MemoryLayout<sockaddr_un>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard named == 0, address.sun_family == sa_family_t(AF_UNIX) else { return false }
            let bound = withUnsafeBytes(of: address.sun_path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return bound == path
        }.sorted()
    }

    @Test func liveSocketIsNeverTakenOver() async throws {
        try await AdminHarness.with { harness in
            let second = AdminServer(api: harness.api, listener: .path(AdminSocketSettings(path: harness.socketPath)),
                                     logger: harness.logger)
            await #expect(throws: AdminServerError.socketInUse(path: harness.socketPath)) { try await second.run() }
            let still = try await harness.curl("GET", "/v1/peer")
            #expect(still.status == 200, "the running server keeps its socket")
        }
    }

    @Test func aFileThatIsNotASocketIsLeftAlone() async throws {
        try await AdminHarness.with { harness in
            let path = harness.directory.path("plain-file")
            try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
            let server = AdminServer(api: harness.api, listener: .path(AdminSocketSettings(path: path)), logger: harness.logger)
            await #expect(throws: AdminServerError.pathNotSocket(path: path)) { try await server.run() }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
        }
    }

    @Test func socketPassedBySystemdIsServed() async throws {
        try await AdminHarness.with { harness in
            let path = harness.directory.path("activated.sock")
            let descriptor = try Self.listeningSocket(path)
            // What systemd sets for `gosgate-admin.socket` (FileDescriptorName=admin), with our descriptor.
            let activation = try SocketActivation(
                environment: ["LISTEN_PID": String(getpid()), "LISTEN_FDS": "1", "LISTEN_FDNAMES": "admin"],
                processID: getpid(), firstDescriptor: descriptor)
            let socket = try #require(try activation.listeners(named: "admin").first)
            try await withServer(harness, .activated(socket)) {
                let peer = try await Curl.run(["--unix-socket", path, "http://gosgate/v1/peer"])
                #expect(peer.status == 200, "\(peer.stderr)")
                #expect(peer.json?["tier"] as? String == "admin")
            }
        }
    }

    /// A bound, listening Unix socket, as systemd would pass it.
    private static func listeningSocket(_ path: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 16) == 0 else {
            throw TestAccountError(message: "cannot make a listening socket at \(path): \(String(cString: strerror(errno)))")
        }
        return descriptor
    }
}
