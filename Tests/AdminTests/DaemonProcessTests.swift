import Config
import Foundation
import Logging
import Stand
import Store
import Testing
import TestSupport

/// `gosgated` as its own process, as systemd runs it: killed with SIGKILL under load it loses no
/// audit record of a call that was answered, and it serves the gateway socket systemd passes.
@Suite(.serialized)
struct DaemonProcessTests {
    static let readPath = "/api/gusmev/order/getUpdatedAfter?updatedAfter=2025-01-01T00:00:00.000"

    @Test func everyAnsweredCallIsInTheAuditAfterKillDashNineUnderLoad() async throws {
        try await DaemonRig.with { rig in
            let daemon = try rig.startDaemon()
            try await rig.waitUntilReady()

            // 3000 calls, 16 at a time; the gateway gives each a request ID and returns it. The daemon dies mid-way.
            let transfers = rig.directory.path("transfers.curlrc")
            let url = "http://127.0.0.1:\(daemon.port)\(Self.readPath)"
            try String(repeating: "url = \"\(url)\"\noutput = \"/dev/null\"\n", count: 3000)
                .write(toFile: transfers, atomically: true, encoding: .utf8)
            async let load = ChildProcess.run("/usr/bin/curl", [
                "-s", "--parallel", "--parallel-max", "16", "-H", "X-Gosgate-Key: \(rig.clientKey)",
                "-w", "%{http_code} %{exitcode} %header{x-request-id}\\n", "-K", transfers,
            ], timeout: 300)
            try await Task.sleep(for: .milliseconds(1500))
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.waitForExit(timeout: 10)

            let lines = try await load.stdoutText.split(separator: "\n")
            // Answered means complete: 200 and curl's exit code 0 (a cut-off body is not an answer).
            let answered = Set(lines.filter { $0.hasPrefix("200 0 ") }.map { String($0.dropFirst(6)) })
            #expect(!answered.isEmpty, "no call was answered before the kill: \(lines.prefix(3))")
            #expect(answered.count < 3000, "the kill landed after the load; nothing was tested")

            // Read back with the sqlite3 CLI, not our store code.
            let query = try await ChildProcess.run("/usr/bin/sqlite3", [
                rig.databasePath, "SELECT json_extract(detail, '$.request_id') FROM audit WHERE kind = 'proxy'",
            ])
            #expect(query.status == 0, "\(query.stderr)")
            let audited = Set(query.stdoutText.split(separator: "\n").map(String.init))
            let missing = answered.subtracting(audited)
            #expect(missing.isEmpty, "\(missing.count) answered calls are not in the audit, e.g. \(missing.prefix(5))")

            // The chain survived, and the gateway starts again on it and keeps serving.
            #expect(try GatewayStore(path: rig.databasePath).verifyAudit().isIntact)
            let again = try rig.startDaemon()
            defer { again.stop() }
            try await rig.waitUntilReady()
            let reply = try await Curl.run(["-H", "X-Gosgate-Key: \(rig.clientKey)", "http://127.0.0.1:\(again.port)\(Self.readPath)"])
            #expect(reply.status == 200)
        }
    }

    @Test func sigtermLetsACallInFlightFinishThenExits() async throws {
        try await DaemonRig.with(gatewayYAML: ["shutdown_grace: 10s"]) { rig in
            let daemon = try rig.startDaemon()
            try await rig.waitUntilReady()
            async let upload = RawClient.exchange(port: daemon.port, steps: [
                .send(rig.trickledUploadHead), .send("5\r\nhello\r\n"), .sleep(2), .send("0\r\n\r\n"), .readToEnd,
            ])
            try await Task.sleep(for: .milliseconds(700))
            let stopped = Date()
            kill(daemon.process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            let refused = try await Curl.run(["--max-time", "2", "http://127.0.0.1:\(daemon.port)/"])
            #expect(refused.exitCode == 7, "after SIGTERM the listener no longer accepts")
            let answer = try await upload.response
            #expect(answer.hasPrefix("HTTP/1.1 "), "the call in flight was answered: \(answer)")
            #expect(!answer.lowercased().contains("x-gosgate-error"), "the answer came from EPGU, not from the gateway: \(answer)")
            #expect(try await daemon.exitStatus(within: 15) == 0)
            #expect(Date().timeIntervalSince(stopped) < 8, "it exited once the call was done, not at the grace's end")
        }
    }

    @Test func sigtermCutsOffWhatOutlastsTheGrace() async throws {
        try await DaemonRig.with(gatewayYAML: ["shutdown_grace: 1s"]) { rig in
            let daemon = try rig.startDaemon()
            try await rig.waitUntilReady()
            async let upload = RawClient.exchange(port: daemon.port, steps: [
                .send(rig.trickledUploadHead), .send("5\r\nhello\r\n"), .sleep(9), .send("0\r\n\r\n"), .readToEnd,
            ])
            try await Task.sleep(for: .milliseconds(700))
            let stopped = Date()
            kill(daemon.process.processIdentifier, SIGTERM)
            #expect(try await daemon.exitStatus(within: 15) != nil, "gosgated did not exit")
            #expect(Date().timeIntervalSince(stopped) < 8, "exited after the grace plus the cancellation bound")
            _ = try await upload
        }
    }

    @Test func theGatewayServesTheSocketSystemdPasses() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate") else { return }
        try await DaemonRig.with { rig in
            // systemd-socket-activate binds the port, passes it as fd 3 named "gateway" (what
            // gosgate.socket does) and execs gosgated on the first connection. It closes every other
            // descriptor first, which Foundation's Process takes for an exit, so a shell in between
            // holds on and reports the daemon's PID.
            let gosgated = try BuiltProducts.path("gosgated")
            let pidFile = rig.directory.path("gosgated.pid")
            let activated = try PeerProcess.startServer("/bin/sh", arguments: { port in
                ["-c", "/usr/bin/systemd-socket-activate -l 127.0.0.1:\(port) --fdname=gateway '\(gosgated)' --config '\(rig.configurationPath)' & echo $! > '\(pidFile)'; wait"]
            }, environment: rig.environment)
            defer {
                if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    kill(pid, SIGKILL)
                }
                activated.stop()
            }
            try await rig.waitUntilReady()
            let reply = try await Curl.run(["-H", "X-Gosgate-Key: \(rig.clientKey)",
                                            "http://127.0.0.1:\(activated.port)\(Self.readPath)"])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(activated.output.contains("from systemd"), "the ready line names the passed socket: \(activated.output)")
            // The passed socket replaces gateway.listen: the configured port stays closed.
            let configured = try await Curl.run(["--max-time", "2", "http://127.0.0.1:\(rig.configuredGatewayPort)/livez"])
            #expect(configured.exitCode == 7, "connection refused on the configured address")
        }
    }
}

/// A stand (plain HTTP, in this process), a store with one identity and one client, and a
/// configuration file for `gosgated` processes started from it.
final class DaemonRig: Sendable {
    let directory: TemporaryDirectory
    let stand: Stand
    let configurationPath: String
    let databasePath: String
    let clientKey: String
    let configuredGatewayPort: Int
    let healthPort: Int
    let environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]

    static func with(gatewayYAML: [String] = [], _ body: (DaemonRig) async throws -> Void) async throws {
        let rig = try await DaemonRig(gatewayYAML: gatewayYAML)
        do {
            try await body(rig)
        } catch {
            await rig.stop()
            throw error
        }
        await rig.stop()
    }

    private init(gatewayYAML: [String]) async throws {
        directory = try TemporaryDirectory(prefix: "gosgate-daemon")
        let standDirectory = directory.path("stand")
        let (stand, standConfiguration, endpoints) = try await AdminHarness.startStand(in: standDirectory)
        self.stand = stand

        configuredGatewayPort = try PeerProcess.freePort()
        healthPort = try PeerProcess.freePort()
        configurationPath = directory.path("gosgate.yaml")
        databasePath = directory.path("gosgate.sqlite")
        try AdminHarness.configurationText(
            directory: directory, standDirectory: standDirectory, esia: endpoints.esiaURL, epgu: endpoints.epguURL,
            socket: directory.path("admin.sock"), operatorGroup: "", gatewayListen: "127.0.0.1:\(configuredGatewayPort)",
            healthListen: "127.0.0.1:\(healthPort)", logLevel: "notice", gatewayYAML: gatewayYAML
        ).write(toFile: configurationPath, atomically: true, encoding: .utf8)
        let store = try GatewayStore(path: databasePath)
        try store.addIdentity(Identity(name: "org", environment: "stand", flow: .apiKey,
                                       apiKey: standConfiguration.organisations[0].apiKeys[0].key))
        clientKey = try store.addClient(name: "erp", defaultIdentity: "org").key.text
    }

    /// Starts `gosgated` on the configured addresses; returns once the gateway port accepts. It
    /// starts as systemd starts it, with no signal blocked (a child of this test process would
    /// inherit a mask that blocks SIGTERM), through a Python exec that clears the mask.
    func startDaemon() throws -> PeerProcess {
        let gosgated = try BuiltProducts.path("gosgated")
        let exec = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        return try PeerProcess.startServer("/usr/bin/python3", arguments: ["-c", exec, gosgated, "--config", configurationPath],
                                           listeningOn: configuredGatewayPort, environment: environment)
    }

    /// A push whose body the test sends in pieces, to keep a call in flight.
    var trickledUploadHead: String {
        "POST /api/gusmev/push/chunked?orderId=1&meta=1 HTTP/1.1\r\nHost: gateway\r\nX-Gosgate-Key: \(clientKey)\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    }


    /// Waits until `/readyz` says ready (the identity holds a token).
    func waitUntilReady() async throws {
        for _ in 0..<100 {
            if let reply = try? await Curl.run(["--max-time", "2", "http://127.0.0.1:\(healthPort)/readyz"]), reply.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw PeerFailure("gosgated did not become ready within 20 s")
    }

    func stop() async {
        await stand.stop()
        directory.remove()
    }
}
