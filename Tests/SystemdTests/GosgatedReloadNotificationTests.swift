import Foundation
import TestSupport
import Testing

/// The built gosgated under a notification socket of the test's own, as systemd runs it: every
/// reload, by SIGHUP (`Type=notify-reload`, systemd 253+) or by `gosgatectl reload` (Debian 12's
/// `ExecReload=`), is `RELOADING=1` with `MONOTONIC_USEC=` followed by `READY=1` again, from the
/// main process (`NotifyAccess=main`). Without that READY=1 systemd leaves the unit "reloading"
/// until its timeout and then fails it.
@Suite(.serialized)
struct GosgatedReloadNotificationTests {
    @Test func everyReloadEndsWithReadyAgain() async throws {
        let directory = try TemporaryDirectory(prefix: "gosgate-reload-notify")
        defer { directory.remove() }
        let signer = try GOSTFixtures.selfSigned(in: directory)
        let configurationPath = directory.path("gosgate.yaml")
        let adminSocket = directory.path("admin.sock")
        let good = Self.configuration(directory: directory, signer: signer, adminSocket: adminSocket)
        try good.write(toFile: configurationPath, atomically: true, encoding: .utf8)

        let systemd = try DatagramListener()
        var environment = OpenSSLCLI.environment
        environment["NOTIFY_SOCKET"] = systemd.path
        let daemon = try SpawnedProcess(try BuiltProducts.path("gosgated"), ["--config", configurationPath],
                                        environment: environment)
        defer { daemon.stop() }

        let started = try #require(await Self.next("READY", from: systemd), "no READY=1 at start: \(daemon.output)")
        #expect(started.senderPID == daemon.pid)
        #expect(started.assignments["STATUS"]?.hasPrefix("listening: ") == true)

        // SIGHUP at once: systemd may send it as soon as READY=1 has arrived.
        try await Self.expectReloadBracket(from: systemd, daemon: daemon, status: "reloaded; 0 identities") {
            kill(daemon.pid, SIGHUP)
        }
        #expect(daemon.isRunning, "SIGHUP ended gosgated: \(daemon.output)")

        let gosgatectl = try BuiltProducts.path("gosgatectl")
        try await Self.expectReloadBracket(from: systemd, daemon: daemon, status: "reloaded; 0 identities") {
            let reload = try await ChildProcess.run(gosgatectl, ["reload", "--socket", adminSocket])
            #expect(reload.status == 0, "\(reload.stderr)")
        }

        // A file with problems changes nothing, and the reload still ends: READY=1 says why.
        try good.replacingOccurrences(of: "driver: file", with: "driver: pkcs12")
            .write(toFile: configurationPath, atomically: true, encoding: .utf8)
        let refused = "reload refused, running configuration unchanged: config_invalid"
        try await Self.expectReloadBracket(from: systemd, daemon: daemon, status: refused) {
            kill(daemon.pid, SIGHUP)
        }
        try await Self.expectReloadBracket(from: systemd, daemon: daemon, status: refused) {
            let reload = try await ChildProcess.run(gosgatectl, ["reload", "--socket", adminSocket])
            #expect(reload.status == 2, "\(reload.stderr)")
        }
        #expect(daemon.isRunning, "a refused reload ended gosgated: \(daemon.output)")

        kill(daemon.pid, SIGTERM)
        let stopping = try #require(await Self.next("STOPPING", from: systemd), "no STOPPING=1: \(daemon.output)")
        #expect(stopping.senderPID == daemon.pid)
        await daemon.waitForExit(timeout: .seconds(20))
        #expect(!daemon.isRunning)
    }

    /// Runs `trigger` and expects exactly `RELOADING=1` (stamped between the trigger and its
    /// arrival on CLOCK_MONOTONIC) then `READY=1` with `status`, both from the daemon, and nothing else.
    private static func expectReloadBracket(from systemd: DatagramListener, daemon: SpawnedProcess, status: String,
                                            sourceLocation: SourceLocation = #_sourceLocation,
                                            _ trigger: () async throws -> Void) async throws {
        let before = ServiceNotifierTests.monotonicMicroseconds()
        try await trigger()
        let reloading = try #require(await systemd.receive(), "no RELOADING=1: \(daemon.output)",
                                     sourceLocation: sourceLocation)
        let after = ServiceNotifierTests.monotonicMicroseconds()
        #expect(reloading.assignments["RELOADING"] == "1", "\(reloading.text)", sourceLocation: sourceLocation)
        let stamp = try #require(reloading.assignments["MONOTONIC_USEC"].flatMap(UInt64.init),
                                 "RELOADING=1 without MONOTONIC_USEC: \(reloading.text)", sourceLocation: sourceLocation)
        #expect(stamp >= before && stamp <= after, sourceLocation: sourceLocation)
        #expect(reloading.senderPID == daemon.pid, sourceLocation: sourceLocation)

        let ready = try #require(await systemd.receive(), "no READY=1 after the reload: \(daemon.output)",
                                 sourceLocation: sourceLocation)
        #expect(ready.assignments == ["READY": "1", "STATUS": status], sourceLocation: sourceLocation)
        #expect(ready.senderPID == daemon.pid, sourceLocation: sourceLocation)
        try await Task.sleep(for: .milliseconds(300))
        let extra = systemd.drain().map(\.text)
        #expect(extra.isEmpty, "one reload, one RELOADING/READY pair: \(extra)", sourceLocation: sourceLocation)
    }

    /// The next datagram that sets `name`, skipping others (such as plain STATUS= lines).
    private static func next(_ name: String, from systemd: DatagramListener) async -> DatagramListener.Datagram? {
        while let datagram = await systemd.receive(timeout: 60) {
            if datagram.assignments[name] == "1" { return datagram }
        }
        return nil
    }

    /// A test-stand configuration: the file driver with an openssl-made GOST key, no identities
    /// (so nothing is fetched from the environment's origins), listeners on loopback port 0.
    private static func configuration(directory: TemporaryDirectory, signer: GOSTFixtures.KeyPair,
                                      adminSocket: String) -> String {
        """
        store:
          path: \(directory.path("gosgate.sqlite"))
        admin:
          socket: \(adminSocket)
        gateway:
          listen: ["127.0.0.1:0"]
        health:
          listen: 127.0.0.1:0
        token:
          driver: file
          key_file: \(signer.keyPath)
          certificate: \(signer.certificatePath)
          allow_software_key: true
        environments:
          stand:
            esia: http://127.0.0.1:9
            epgu: http://127.0.0.1:9
        log:
          level: warning

        """
    }
}
