import Foundation
import Systemd
import Testing

/// The sd_notify protocol as systemd reads it, against a socket the test binds in a temporary
/// directory and passes through an explicit environment (the process environment is untouched).
@Suite struct ServiceNotifierTests {
    @Test func readyStatusAndStoppingArriveAsAssignmentsFromThisProcess() async throws {
        let listener = try DatagramListener()
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.path])
        #expect(notifier.isEnabled)

        try notifier.ready(status: "token present; 2 identities with fresh tokens; queue 0")
        let ready = try #require(await listener.receive())
        #expect(ready.assignments == ["READY": "1", "STATUS": "token present; 2 identities with fresh tokens; queue 0"])
        // systemd attributes a notification to the process the kernel says sent it.
        #expect(ready.senderPID == getpid())

        try notifier.status("token absent\nwaiting for the reader")
        let status = try #require(await listener.receive())
        #expect(status.text == "STATUS=token absent waiting for the reader\n")

        try notifier.stopping(status: "draining 3 requests")
        let stopping = try #require(await listener.receive())
        #expect(stopping.assignments == ["STOPPING": "1", "STATUS": "draining 3 requests"])
    }

    @Test func reloadingCarriesTheMonotonicClockThatNotifyReloadRequires() async throws {
        let listener = try DatagramListener()
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.path])
        let before = Self.monotonicMicroseconds()
        try notifier.reloading(status: "reloading /etc/gosgate/gosgate.yaml")
        let after = Self.monotonicMicroseconds()

        let message = try #require(await listener.receive()).assignments
        #expect(message["RELOADING"] == "1")
        #expect(message["STATUS"] == "reloading /etc/gosgate/gosgate.yaml")
        let stamp = try #require(message["MONOTONIC_USEC"].flatMap(UInt64.init))
        #expect(stamp >= before && stamp <= after)

        try notifier.ready()
        #expect(try #require(await listener.receive()).text == "READY=1\n")
    }

    @Test func abstractSocketNamesWork() async throws {
        // systemd may pass an abstract-namespace socket as "@name".
        let name = "gosgate-test-\(UUID().uuidString)"
        let receiver = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let nameBytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: nameBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + nameBytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, length) }
        }
        try #require(bound == 0)

        try ServiceNotifier(environment: ["NOTIFY_SOCKET": "@" + name]).watchdogPing()
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = recv(receiver, &buffer, buffer.count, CInt(MSG_DONTWAIT))
        #expect(count > 0 && String(decoding: buffer[0..<count], as: UTF8.self) == "WATCHDOG=1\n")
    }

    @Test func withoutNotifySocketEveryCallIsAQuietNoOp() async throws {
        let notifier = ServiceNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        try notifier.ready(status: "ready")
        try notifier.reloading()
        try notifier.watchdogPing()
        try notifier.stopping()
    }

    @Test func brokenSocketsAreTypedErrors() {
        #expect(throws: NotifyError.invalidSocketAddress("relative/path")) {
            try ServiceNotifier(socketPath: "relative/path").ready()
        }
        let gone = "/nonexistent-gosgate-dir/notify.sock"
        #expect {
            try ServiceNotifier(socketPath: gone).ready()
        } throws: { error in
            guard case .sendFailed(let path, let system)? = error as? NotifyError else { return false }
            return path == gone && system.code == ENOENT && "\(error)".contains(gone)
        }
    }

    @Test func watchdogIntervalComesFromWatchdogUsecForThisProcessOnly() {
        let mine = ServiceNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000",
                                                 "WATCHDOG_PID": String(getpid())])
        #expect(mine.watchdogInterval == .seconds(30))
        let anyone = ServiceNotifier(environment: ["WATCHDOG_USEC": "1500000"])
        #expect(anyone.watchdogInterval == .milliseconds(1500))
        let someoneElse = ServiceNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"])
        #expect(someoneElse.watchdogInterval == nil)
        #expect(ServiceNotifier(environment: ["WATCHDOG_USEC": "0"]).watchdogInterval == nil)
        #expect(ServiceNotifier(environment: ["WATCHDOG_USEC": "soon"]).watchdogInterval == nil)
    }

    @Test func systemdNotifyFromSystemdItselfSpeaksTheSameProtocol() async throws {
        // The reference sender: systemd's own systemd-notify(1), through the same fake socket.
        let tool = "/usr/bin/systemd-notify"
        try #require(FileManager.default.isExecutableFile(atPath: tool), "systemd-notify is part of the systemd package")
        let listener = try DatagramListener()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--ready", "--status=token present"]
        process.environment = ["NOTIFY_SOCKET": listener.path]
        try process.run()
        let reference = try #require(await listener.receive()).assignments
        // systemd-notify then sends BARRIER=1 with a pipe and waits until the receiver closes it;
        // receiving the datagram (and dropping its descriptor) does that.
        _ = await listener.receive()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(process.terminationStatus == 0)

        try ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.path]).ready(status: "token present")
        let ours = try #require(await listener.receive()).assignments
        #expect(ours["READY"] == reference["READY"])
        #expect(ours["STATUS"] == reference["STATUS"])
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
