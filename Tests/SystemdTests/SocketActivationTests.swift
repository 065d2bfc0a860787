import Foundation
import NIOCore
import Systemd
import TestSupport
import Testing

/// Socket activation: parsing `LISTEN_*`, and real descriptors passed by systemd's own
/// `systemd-socket-activate` to a child process (this test binary, re-run to execute only
/// `activatedProcessReport`).
@Suite struct SocketActivationTests {
    static let probeVariable = "GOSGATE_ACTIVATION_PROBE_REPORT"

    @Test func nothingPassedMeansNoSocketsAndTheDaemonBindsItself() throws {
        #expect(try SocketActivation(environment: [:], processID: getpid()).isEmpty)
        // Sockets meant for another process (a parent that did not clear LISTEN_*) are not ours.
        let foreign = ["LISTEN_PID": "1", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "gateway:admin"]
        #expect(try SocketActivation(environment: foreign, processID: getpid()).isEmpty)
    }

    @Test func malformedVariablesAreTypedErrors() {
        let pid = String(getpid())
        #expect(throws: SocketActivationError.invalidVariable(name: "LISTEN_FDS", value: "two")) {
            try SocketActivation(environment: ["LISTEN_PID": pid, "LISTEN_FDS": "two"], processID: getpid())
        }
        #expect(throws: SocketActivationError.invalidVariable(name: "LISTEN_PID", value: "x")) {
            try SocketActivation(environment: ["LISTEN_PID": "x", "LISTEN_FDS": "1"], processID: getpid())
        }
        #expect(throws: SocketActivationError.nameCountMismatch(descriptors: 2, names: 1)) {
            try SocketActivation(environment: ["LISTEN_PID": pid, "LISTEN_FDS": "2", "LISTEN_FDNAMES": "gateway"],
                                 processID: getpid())
        }
    }

    @Test func descriptorsAreInspectedAndNamed() throws {
        // Two real sockets at consecutive descriptors stand in for fds 3 and 4.
        let listening = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        let datagram = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
        defer { close(listening); close(datagram) }
        let first = try #require(Self.consecutivePair(listening, datagram))
        defer { close(first); close(first + 1) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(first, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(listen(first, 16) == 0)

        let activation = try SocketActivation(
            environment: ["LISTEN_PID": String(getpid()), "LISTEN_FDS": "2", "LISTEN_FDNAMES": "gateway:metrics"],
            processID: getpid(), firstDescriptor: first)
        #expect(activation.sockets.map(\.name) == ["gateway", "metrics"])
        #expect(activation.sockets.map(\.descriptor) == [first, first + 1])
        let gateway = try #require(try activation.listeners(named: "gateway").first)
        #expect(gateway.localAddress?.ipAddress == "127.0.0.1")
        #expect((gateway.localAddress?.port ?? 0) > 0)
        #expect(fcntl(first, F_GETFD) & FD_CLOEXEC != 0)
        #expect(throws: SocketActivationError.notListeningStream(name: "metrics", descriptor: first + 1)) {
            try activation.listeners(named: "metrics")
        }
        #expect(try activation.listeners(named: "admin").isEmpty)

        let unnamed = try SocketActivation(environment: ["LISTEN_PID": String(getpid()), "LISTEN_FDS": "1"],
                                           processID: getpid(), firstDescriptor: first)
        #expect(unnamed.sockets.map(\.name) == ["unknown"])
        #expect(throws: SocketActivationError.descriptorNotOpen(first + 2)) {
            try SocketActivation(environment: ["LISTEN_PID": String(getpid()), "LISTEN_FDS": "3"],
                                 processID: getpid(), firstDescriptor: first)
        }
    }

    @Test func systemdSocketActivatePassesNamedListenersToTheService() async throws {
        let activate = "/usr/bin/systemd-socket-activate"
        try #require(FileManager.default.isExecutableFile(atPath: activate),
                     "systemd-socket-activate comes with the systemd package (scripts/install-deps.sh)")
        let work = try TemporaryDirectory(prefix: "gosgate-activation")
        defer { work.remove() }
        let port = try PeerProcess.freePort()
        let adminPath = work.path("admin.sock")
        let reportPath = work.path("report.json")
        var arguments = ["-l", "127.0.0.1:\(port)", "-l", adminPath, "--fdname=gateway:admin",
                         "-E", "\(Self.probeVariable)=\(reportPath)"]
        for name in ["LD_LIBRARY_PATH", "HOME"] {
            if let value = ProcessInfo.processInfo.environment[name] { arguments += ["-E", "\(name)=\(value)"] }
        }
        arguments += ["--"] + TestBinary.invocation(runningOnly: "activatedProcessReport")
        let activator = try SpawnedProcess(activate, arguments, environment: ProcessInfo.processInfo.environment)
        defer { activator.stop() }

        // systemd-socket-activate listens first and starts the service on the first connection.
        let greeting = await Self.readGreeting(port: port)
        #expect(greeting == "gosgate: served on an activated socket\n", "\(activator.output)")
        await activator.waitForExit(timeout: .seconds(30))

        let data = try Data(contentsOf: URL(fileURLWithPath: reportPath))
        let report = try JSONDecoder().decode(ActivationReport.self, from: data)
        #expect(report.names == ["gateway", "admin"])
        #expect(report.descriptors == [3, 4])
        #expect(report.listening == [true, true])
        #expect(report.addresses == ["127.0.0.1:\(port)", adminPath])
        #expect(report.environmentCleared)
    }

    /// Runs only inside the child process started by the test above.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[probeVariable] != nil))
    func activatedProcessReport() throws {
        let reportPath = try #require(ProcessInfo.processInfo.environment[Self.probeVariable])
        let activation = try SocketActivation.takeFromProcess()
        let report = ActivationReport(
            names: activation.sockets.map(\.name),
            descriptors: activation.sockets.map(\.descriptor),
            listening: activation.sockets.map(\.isListeningStream),
            addresses: activation.sockets.map { socket in
                switch socket.localAddress {
                case .v4(let address)?: return "\(address.host):\(socket.localAddress?.port ?? 0)"
                case .unixDomainSocket?: return socket.localAddress?.pathname ?? ""
                default: return ""
                }
            },
            environmentCleared: ProcessInfo.processInfo.environment["LISTEN_FDS"] == nil)
        try JSONEncoder().encode(report).write(to: URL(fileURLWithPath: reportPath))
        // Serve the waiting client on the passed gateway listener itself.
        let gateway = try #require(try activation.listeners(named: "gateway").first)
        let connection = accept(gateway.descriptor, nil, nil)
        try #require(connection >= 0)
        let greeting = Array("gosgate: served on an activated socket\n".utf8)
        _ = greeting.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        close(connection)
    }

    struct ActivationReport: Codable {
        let names: [String]
        let descriptors: [CInt]
        let listening: [Bool]
        let addresses: [String]
        let environmentCleared: Bool
    }

    /// Connects to 127.0.0.1:`port` and reads what the server says first, waiting up to 30 s
    /// without blocking a thread (the child process needs a moment to start).
    static func readGreeting(port: Int) async -> String? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected != 0 {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 0) == 1 {
                    var buffer = [UInt8](repeating: 0, count: 256)
                    let count = read(fd, &buffer, buffer.count)
                    return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        return nil
    }

    /// Duplicates two sockets onto two consecutive descriptors whose next one is closed too (the test
    /// relies on it). The search starts near the descriptor limit: the kernel hands out the lowest free
    /// numbers, so sockets that other parts of this process open meanwhile do not land there.
    static func consecutivePair(_ a: CInt, _ b: CInt) -> CInt? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let top = CInt(min(limit.rlim_cur, 4096)) - 3
        for candidate in stride(from: top, to: 100, by: -3)
        where (0..<3).allSatisfy({ fcntl(candidate + $0, F_GETFD) < 0 }) {
            guard dup2(a, candidate) == candidate, dup2(b, candidate + 1) == candidate + 1 else { return nil }
            return candidate
        }
        return nil
    }
}
