import Config
import Foundation
import Gateway
import Logging
import Store
import TestSupport
import Token

/// Runs a real `GatewayService` in-process against given ESIA and EPGU origins, with a software
/// signer from the openssl CLI, one identity and one client; requests go through `curl`.
final class GatewayHarness: @unchecked Sendable {
    let directory: TemporaryDirectory
    let service: GatewayService
    let clientKey: String
    private(set) var gatewayPort = 0
    private(set) var healthPort = 0
    private var task: Task<Void, any Error>?

    /// - Parameters:
    ///   - gatewayYAML: more keys for the `gateway:` section (limits, timeouts), one per line.
    ///   - tokenYAML: the `token:` section's keys, one per line, instead of the file driver with `signer`.
    ///   - pin: the token PIN, as gosgated reads it from its credential.
    ///   - extraYAML: appended to the generated configuration (quotas...).
    init(esia: URL, epgu: URL, ca: String? = nil, epguCiphers: String? = nil, gatewayYAML: [String] = [], extraYAML: String = "",
         signer: GOSTFixtures.KeyPair? = nil, tokenYAML: [String]? = nil, pin: String? = nil,
         apiKey: String = "6b0f3a4e-2c1d-4f5e-9a8b-7c6d5e4f3a2b") async throws {
        directory = try TemporaryDirectory(prefix: "gosgate-gateway")
        let pair = try signer ?? GOSTFixtures.selfSigned(in: directory)
        let token = tokenYAML ?? ["driver: file", "key_file: \(pair.keyPath)", "certificate: \(pair.certificatePath)",
                                  "allow_software_key: true"]
        var environment = """
          test:
            esia: \(esia.absoluteString)
            epgu: \(epgu.absoluteString)

        """
        if let ca { environment += "    ca: \(ca)\n" }
        if let epguCiphers { environment += "    epgu_ciphers: \(epguCiphers)\n" }
        let yaml = """
        store:
          path: \(directory.path("gosgate.sqlite"))
        gateway:
          listen: ["127.0.0.1:0"]
        \(gatewayYAML.map { "  " + $0 }.joined(separator: "\n"))
        health:
          listen: 127.0.0.1:0
        token:
        \(token.map { "  " + $0 }.joined(separator: "\n"))
        environments:
        \(environment)
        \(extraYAML)
        """
        let configuration = try ConfigurationLoader.parse(yaml, path: "harness.yaml")
        let store = try GatewayStore(path: configuration.store.path)
        try store.addIdentity(Identity(name: "org", environment: "test", flow: .apiKey, apiKey: apiKey))
        clientKey = try store.addClient(name: "erp", defaultIdentity: "org").key.text
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .critical
        service = try GatewayService(configuration: configuration, pin: try pin.map { try TokenPIN($0) }, logger: logger)
        let ready = AsyncStream<[BoundListener]>.makeStream()
        task = Task { [service] in
            try await service.run { listeners in ready.continuation.yield(listeners) }
        }
        for await listeners in ready.stream {
            gatewayPort = listeners.first { $0.role == .gateway }?.port ?? 0
            healthPort = listeners.first { $0.role == .health }?.port ?? 0
            break
        }
    }

    /// Adds another client to the running gateway's store.
    func addClient(name: String, routes: [String] = ["*"], ratePerMinute: Int? = nil) throws -> String {
        try service.store.addClient(name: name, permissions: .init(defaultIdentity: "org", allowedRoutes: routes,
                                                                   ratePerMinute: ratePerMinute)).key.text
    }

    /// One `curl` exchange with the gateway.
    struct Exchange {
        let status: Int
        let headers: [String: String]
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    /// Runs curl against the gateway (`path` may be a raw target) with the client key unless `key` is nil.
    /// Asynchronous: a test waiting for curl must not hold a thread the in-process gateway needs.
    func request(_ method: String, _ path: String, key: String?? = .none, headers: [String] = [], body: String? = nil,
                 extra: [String] = [], port: Int? = nil) async throws -> Exchange {
        let presented: String? = key ?? clientKey
        var arguments = ["-X", method, "--path-as-is"]
        if let presented { arguments += ["-H", "X-Gosgate-Key: \(presented)"] }
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        arguments += extra
        arguments.append("http://127.0.0.1:\(port ?? gatewayPort)\(path)")
        let reply = try await Curl.run(arguments)
        return Exchange(status: reply.status, headers: reply.headers, body: reply.body)
    }

    func stop() async {
        task?.cancel()
        _ = await task?.result
        directory.remove()
    }
}
