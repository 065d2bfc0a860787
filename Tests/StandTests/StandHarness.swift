import Foundation
import GOST
import Stand
import TestSupport

/// A stand made by `StandInitializer` in a temporary directory and started in this process on a free
/// loopback port, plus the peer tools the tests drive it with (curl, openssl, basenc, sqlite3).
final class StandHarness: @unchecked Sendable {
    // @unchecked: `stand` is replaced only by `restart()`, which a test calls from its own task.

    let directory: TemporaryDirectory
    private(set) var configuration: StandConfiguration
    private(set) var stand: Stand
    private(set) var endpoints: Stand.Endpoints
    let tls: Bool

    /// Runs `body` against a fresh stand and always stops it and removes its directory afterwards.
    static func with(tls: Bool = false, tokenAlgorithm: String = "GOST3410_2012_256",
                     adjust: (inout StandConfiguration) -> Void = { _ in },
                     _ body: (StandHarness) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "gosgate-stand")
        defer { directory.remove() }
        var options = StandInitializer.Options()
        options.plain = !tls
        options.apiKeyCount = 2
        options.tokenAlgorithm = tokenAlgorithm
        try StandInitializer.initialize(directory: directory.url.path, options: options)
        var configuration = try StandConfiguration.load(from: directory.path(StandConfiguration.fileName))
        configuration.listener.port = 0
        adjust(&configuration)
        let harness = try await StandHarness(directory: directory, configuration: configuration, tls: tls)
        do {
            try await body(harness)
        } catch {
            await harness.stand.stop()
            throw error
        }
        await harness.stand.stop()
    }

    private init(directory: TemporaryDirectory, configuration: StandConfiguration, tls: Bool) async throws {
        self.directory = directory
        self.configuration = configuration
        self.tls = tls
        stand = try Stand(configuration: configuration)
        endpoints = try await stand.start()
    }

    /// Stops the stand and starts a new one on the same directory (same database and keys).
    func restart() async throws {
        await stand.stop()
        stand = try Stand(configuration: configuration)
        endpoints = try await stand.start()
    }

    // MARK: Files

    func path(_ name: String) -> String { directory.path(name) }
    var caFile: String { path("ca.pem") }
    var signerCertificate: String { path("signer.pem") }
    var signerKey: String { path("signer.key.pem") }
    var tokenCertificate: String { path("esia-token.pem") }
    var apiKey: String { configuration.organisations[0].apiKeys[0].key }
    var secondAPIKey: String { configuration.organisations[0].apiKeys[1].key }
    var mnemonic: String { configuration.systems[0].clientID }

    // MARK: HTTP

    func esiaURL(_ path: String) -> String { endpoints.esiaURL.absoluteString + path }
    func epguURL(_ path: String) -> String { endpoints.epguURL.absoluteString + path }

    /// curl with the stand's CA and the 0xFF85 suite when the stand speaks GOST TLS.
    func curl(_ arguments: [String], timeout: TimeInterval = 60) async throws -> Curl.Reply {
        let tlsArguments = tls ? ["--cacert", caFile, "--ciphers", "LEGACY-GOST2012-GOST8912-GOST8912"] : []
        return try await Curl.run(tlsArguments + arguments, timeout: timeout)
    }

    /// curl with a bearer token.
    func curl(token: String, _ arguments: [String]) async throws -> Curl.Reply {
        try await curl(["-H", "Authorization: Bearer \(token)"] + arguments)
    }

    /// `POST /__stand/faults`.
    func setFaults(_ json: String) async throws {
        let reply = try await curl(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json,
                                    epguURL("/__stand/faults")])
        guard reply.status == 200 else { throw PeerFailure("setting faults failed: \(reply.status) \(reply.text)") }
    }

    /// Moves the stand's clock forward through its control API.
    func advanceClock(seconds: Int) async throws {
        let reply = try await curl(["-X", "POST", "--data-binary", #"{"advanceSeconds": \#(seconds)}"#,
                                    epguURL("/__stand/clock")])
        guard reply.status == 200 else { throw PeerFailure("moving the clock failed: \(reply.status) \(reply.text)") }
    }

    // MARK: Signatures made by peers

    /// A detached CMS over `content` made by `openssl cms -sign` (CAdES-BES with `-cades`), DER.
    func opensslSignature(over content: String, certificate: String? = nil, key: String? = nil,
                          cades: Bool = true) throws -> Data {
        let input = directory.path("content-\(UUID().uuidString).txt")
        let output = directory.path("signature-\(UUID().uuidString).der")
        try Data(content.utf8).write(to: URL(fileURLWithPath: input))
        try OpenSSLCLI.check(["cms", "-sign", "-binary", "-md", "md_gost12_256", "-signer", certificate ?? signerCertificate,
                              "-inkey", key ?? signerKey, "-in", input, "-outform", "DER", "-out", output]
                             + (cades ? ["-cades"] : []))
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    /// base64url without padding, by coreutils' `basenc`.
    static func base64url(_ data: Data) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/basenc", ["--base64url", "-w0"], stdin: data)
        guard result.status == 0 else { throw PeerFailure("basenc failed: \(result.stderr)") }
        return result.stdoutText.trimmingCharacters(in: CharacterSet(charactersIn: "=\n"))
    }

    /// Decodes base64url (padding optional) with `basenc`.
    static func base64urlDecode(_ text: String) async throws -> Data {
        let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
        let result = try await ChildProcess.run("/usr/bin/basenc", ["--base64url", "-d"], stdin: Data(padded.utf8))
        guard result.status == 0 else { throw PeerFailure("basenc -d failed: \(result.stderr)") }
        return result.stdout
    }

    /// `GET …/ext-app/{key}/tkn?signature=…` with a signature value as given.
    func exchange(apiKey: String, signature: String) async throws -> Curl.Reply {
        try await curl([esiaURL("/esia-rs/api/public/v1/orgs/ext-app/\(apiKey)/tkn?signature=\(signature)")])
    }

    /// An access token obtained the way a client does it, signed by the openssl CLI.
    func obtainToken(apiKey: String? = nil) async throws -> String {
        let key = apiKey ?? self.apiKey
        let reply = try await exchange(apiKey: key, signature: try await Self.base64url(try opensslSignature(over: key)))
        guard reply.status == 200, let token = reply.json?["accessTkn"] as? String else {
            throw PeerFailure("no token from the stand: \(reply.status) \(reply.text)")
        }
        return token
    }

    /// Runs `sqlite3 -json` on the stand's database (a reader nobody here wrote).
    func sqlite(_ query: String) async throws -> [[String: Any]] {
        let result = try await ChildProcess.run("/usr/bin/sqlite3", ["-json", "-readonly", path("stand.sqlite"), query])
        guard result.status == 0 else { throw PeerFailure("sqlite3 failed: \(result.stderr)") }
        if result.stdout.isEmpty { return [] }
        return (try JSONSerialization.jsonObject(with: result.stdout)) as? [[String: Any]] ?? []
    }
}
