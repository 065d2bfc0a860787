import Admin
import Config
import Foundation
import Gateway
import Logging
import Stand
import Store
import TestSupport

/// A running gateway with its admin socket, in this process: an ESIA + EPGU stand (plain HTTP) as
/// the upstream, a `GatewayService` configured from a YAML file on disk (so `reload` has a file to
/// re-read), and an `AdminServer` on a socket in a temporary directory other users can reach.
final class AdminHarness: @unchecked Sendable {
    // @unchecked: the ports and the task are set once in `start()`, before any test reads them.

    let directory: TemporaryDirectory
    let stand: Stand
    let standDirectory: String
    let service: GatewayService
    /// The API the harness's server answers with (tests may start more servers with it).
    let api: AdminAPI
    let logger: Logger
    let socketPath: String
    let configurationPath: String
    /// The stand organisation's API-KEY, in a file other users can read.
    let apiKeyFile: String
    private(set) var gatewayPort = 0
    private var task: Task<Void, any Error>?

    /// Runs `body` against a fresh gateway and always stops it and removes its files.
    static func with(policy: AdminAccessPolicy = AdminAccessPolicy(adminGroup: "", operatorGroup: ""),
                     socketMode: mode_t = 0o666, socketGroup: String? = nil,
                     _ body: (AdminHarness) async throws -> Void) async throws {
        let harness = try await AdminHarness(policy: policy, socketMode: socketMode, socketGroup: socketGroup)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    private init(policy: AdminAccessPolicy, socketMode: mode_t, socketGroup: String?) async throws {
        directory = try TemporaryDirectory(prefix: "gosgate-admin")
        // Test users run gosgatectl and curl against the socket inside, and read the key file.
        chmod(directory.url.path, 0o755)
        standDirectory = directory.path("stand")
        let (stand, standConfiguration, endpoints) = try await Self.startStand(in: standDirectory)
        self.stand = stand

        apiKeyFile = directory.path("api-key.txt")
        try Data((standConfiguration.organisations[0].apiKeys[0].key + "\n").utf8).write(to: URL(fileURLWithPath: apiKeyFile))
        chmod(apiKeyFile, 0o644)

        socketPath = directory.path("admin.sock")
        configurationPath = directory.path("gosgate.yaml")
        try Self.configurationText(directory: directory, standDirectory: standDirectory, esia: endpoints.esiaURL,
                                   epgu: endpoints.epguURL, socket: socketPath, operatorGroup: policy.operatorGroup)
            .write(toFile: configurationPath, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.load(path: configurationPath)
        var logger = Logger(label: "admin-test")
        logger.logLevel = .critical
        self.logger = logger
        service = try GatewayService(configuration: configuration, logger: logger)
        api = AdminAPI(service: service, configurationPath: configurationPath, policy: policy, logger: logger)

        let (events, sink) = AsyncStream<String>.makeStream()
        let server = AdminServer(
            api: api, listener: .path(AdminSocketSettings(path: socketPath, mode: socketMode, group: socketGroup)),
            logger: logger, onListening: { _ in sink.yield("admin") })
        task = Task { [service] in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await service.run { listeners in
                        let port = listeners.first { $0.role == .gateway }?.port ?? 0
                        sink.yield("gateway \(port)")
                    }
                }
                group.addTask { try await server.run() }
                defer { sink.finish() }
                try await group.next()
                group.cancelAll()
            }
        }
        var started = 0
        for await event in events {
            if event.hasPrefix("gateway ") { gatewayPort = Int(event.dropFirst(8)) ?? 0 }
            started += 1
            if started == 2 { break }
        }
        guard started == 2 else {
            let reason: String
            switch await task!.result {
            case .failure(let error): reason = "\(error)"
            case .success: reason = "it stopped at once"
            }
            await stand.stop()
            directory.remove()
            throw TestAccountError(message: "the gateway or its admin socket did not start: \(reason)")
        }
    }

    /// A stand initialised in `directory` (plain HTTP, one organisation with an API-KEY), listening
    /// on a free loopback port.
    static func startStand(in directory: String) async throws -> (Stand, StandConfiguration, Stand.Endpoints) {
        var options = StandInitializer.Options()
        options.plain = true
        try StandInitializer.initialize(directory: directory, options: options)
        var configuration = try StandConfiguration.load(from: directory + "/" + StandConfiguration.fileName)
        configuration.listener.port = 0
        var logger = Logger(label: "test-stand")
        logger.logLevel = .critical
        let stand = try Stand(configuration: configuration, logger: logger)
        return (stand, configuration, try await stand.start())
    }

    /// The gateway's configuration as an operator would write it.
    static func configurationText(directory: TemporaryDirectory, standDirectory: String, esia: URL, epgu: URL,
                                  socket: String, operatorGroup: String, gatewayListen: String = "127.0.0.1:0",
                                  healthListen: String = "127.0.0.1:0", logLevel: String = "warning",
                                  gatewayYAML: [String] = []) -> String {
        """
        store:
          path: \(directory.path("gosgate.sqlite"))
        admin:
          socket: \(socket)
          operator_group: \(operatorGroup.isEmpty ? "nobody-here" : operatorGroup)
        gateway:
          listen: ["\(gatewayListen)"]
        \(gatewayYAML.map { "  " + $0 }.joined(separator: "\n"))
        health:
          listen: \(healthListen)
        token:
          driver: file
          key_file: \(standDirectory)/signer.key.pem
          certificate: \(standDirectory)/signer.pem
          allow_software_key: true
        environments:
          stand:
            esia: \(esia.absoluteString)
            epgu: \(epgu.absoluteString)
        log:
          level: \(logLevel)

        """
    }

    func stop() async {
        task?.cancel()
        _ = await task?.result
        await stand.stop()
        directory.remove()
    }

    // MARK: Peers

    /// `curl --unix-socket` against the admin API, as root or as `account`.
    func curl(_ method: String, _ path: String, json: String? = nil, as account: TestAccounts.Account? = nil)
        async throws -> (status: Int, body: [String: Any], text: String) {
        var arguments = ["-sS", "--max-time", "60", "--unix-socket", socketPath, "-X", method,
                         "-o", "-", "-w", "\n%{http_code}"]
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
        arguments.append("http://gosgate\(path)")
        let result = account == nil
            ? try await ChildProcess.run("/usr/bin/curl", arguments)
            : try await TestAccounts.run(as: account!, "/usr/bin/curl", arguments)
        var lines = result.stdoutText.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        let text = lines.joined(separator: "\n")
        let body = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return (status, body, text)
    }

    /// The built `gosgatectl`, as root or as `account`, with `--socket` pointing here.
    func ctl(_ arguments: [String], as account: TestAccounts.Account? = nil, stdin: Data? = nil) async throws -> ChildProcess.Result {
        let binary = try BuiltProducts.path("gosgatectl")
        let full = arguments + ["--socket", socketPath]
        if let account { return try await TestAccounts.run(as: account, binary, full, stdin: stdin) }
        return try await ChildProcess.run(binary, full, stdin: stdin, environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"])
    }

    /// One call through the gateway listener with a client key, as an internal system makes it.
    func proxied(key: String, path: String = "/api/gusmev/order/getUpdatedAfter?updatedAfter=2025-01-01T00:00:00.000")
        async throws -> Curl.Reply {
        try await Curl.run(["-H", "X-Gosgate-Key: \(key)", "http://127.0.0.1:\(gatewayPort)\(path)"])
    }
}
