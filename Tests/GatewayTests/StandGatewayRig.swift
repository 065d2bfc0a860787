import Foundation
import GOST
import Stand
import TestSupport
import Testing

/// A stand initialised the way `gosgate-stand init` does it (GOST TLS, its own CA, an organisation
/// with an API-KEY, a registered signer) and a gateway in front of it signing with that signer.
struct StandGatewayRig {
    let stand: Stand
    let gateway: GatewayHarness
    /// Holds the stand's files under `stand/`.
    let directory: TemporaryDirectory

    /// Runs `body` against a fresh rig and always stops it and removes its files.
    /// - Parameter environmentYAML: more keys for the gateway's `test:` environment, given the
    ///   directory (stand files are under `stand/`), one per line.
    static func with(environmentYAML: (TemporaryDirectory) -> [String] = { _ in [] },
                     _ body: (StandGatewayRig) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "gosgate-stand-e2e")
        defer { directory.remove() }
        var options = StandInitializer.Options()
        options.port = 0
        let initialized = try StandInitializer.initialize(directory: directory.path("stand"), options: options)
        let stand = try Stand(configuration: try StandConfiguration.load(from: initialized.configurationFile))
        let endpoints = try await stand.start()
        let apiKey = try #require(initialized.organisation.apiKeys.first?.key)
        let gateway = try await GatewayHarness(
            esia: endpoints.esiaURL, epgu: endpoints.epguURL, ca: initialized.caCertificate,
            epguCiphers: "LEGACY-GOST2012-GOST8912-GOST8912",
            // Indented to continue the harness's `test:` environment.
            extraYAML: environmentYAML(directory).map { "    " + $0 }.joined(separator: "\n"),
            signer: GOSTFixtures.KeyPair(keyPath: initialized.signerKey, certificatePath: initialized.signerCertificate),
            apiKey: apiKey)
        do {
            try await body(StandGatewayRig(stand: stand, gateway: gateway, directory: directory))
        } catch {
            await gateway.stop()
            await stand.stop()
            throw error
        }
        await gateway.stop()
        await stand.stop()
    }
}
