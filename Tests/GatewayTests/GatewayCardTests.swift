import Foundation
import Gateway
import Stand
import TestSupport
import Testing
import Token

/// gosgated's own assembly on the virtual card: the `token:` section from YAML, the PIN as from its
/// credential, the presence monitor the service starts, and calls through the gateway to the stand.
@Suite(.serialized) struct GatewayCardTests {
    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func callsGoThroughWithTokensSignedOnTheCardBeforeAndAfterItIsPutBack(driver: TokenDriverKind) async throws {
        let directory = try TemporaryDirectory(prefix: "gosgate-gateway-card")
        defer { directory.remove() }
        var options = StandInitializer.Options()
        options.port = 0
        let initialized = try StandInitializer.initialize(directory: directory.path("stand"), options: options)
        let stand = try Stand(configuration: try StandConfiguration.load(from: initialized.configurationFile),
                              logger: CardTokenHarness.quietLogger)
        let endpoints = try await stand.start()
        let apiKey = try #require(initialized.organisation.apiKeys.first?.key)
        let card = PCSCRig.CardOptions(keyPair: GOSTFixtures.KeyPair(keyPath: initialized.signerKey,
                                                                     certificatePath: initialized.signerCertificate))
        do {
            try await PCSCRig.run(card) { rig in
                // As docs/token.md configures them: pcsc reads the certificate from the card; OpenSC
                // cannot expose a GOST-2012 certificate, so pkcs11 takes it from the file.
                let token = driver == .pcsc
                    ? ["driver: pcsc", "reader: \"\(PCSCRig.readerName)\""]
                    : ["driver: pkcs11", "module: \(PCSCRig.openSCModule)", "token_serial: \"\(rig.options.serial)\"",
                       "key_id: \"\(rig.options.keyID)\"", "certificate: \(initialized.signerCertificate)"]
                let gateway = try await GatewayHarness(
                    esia: endpoints.esiaURL, epgu: endpoints.epguURL, ca: initialized.caCertificate,
                    epguCiphers: "LEGACY-GOST2012-GOST8912-GOST8912", tokenYAML: token, pin: rig.options.pin,
                    apiKey: apiKey)
                do {
                    try await exercise(gateway, rig)
                } catch {
                    await gateway.stop()
                    throw error
                }
                await gateway.stop()
            }
        } catch {
            await stand.stop()
            throw error
        }
        await stand.stop()
    }

    private func exercise(_ gateway: GatewayHarness, _ rig: PCSCRig) async throws {
        // A call that needs a token: the API-KEY is signed on the card, after one login.
        let first = try await gateway.request("POST", "/api/gusmev/order/1")
        #expect(first.headers["x-gosgate-error"] == nil, "\(String(decoding: first.body, as: UTF8.self))")
        #expect(try rig.cardStatus().signatures == 1)
        #expect(rig.pinVerifications.accepted == 1)

        // The card is pulled and put back, then EPGU rejects the token (as a 401 would make the
        // gateway do): the next token is signed on the card again, logging in with the PIN the card
        // accepted before; nobody handed over a PIN.
        try await rig.removeCard()
        try await rig.insertCard()
        let tokens = try #require(gateway.service.identities.identity(named: "org")).tokens
        let held = try await tokens.lease()
        await tokens.invalidate(generation: held.generation)
        let second = try await gateway.request("POST", "/api/gusmev/order/1")
        #expect(second.headers["x-gosgate-error"] == nil, "\(String(decoding: second.body, as: UTF8.self))")
        #expect(try await tokens.lease().generation == held.generation + 1)
        #expect(try rig.cardStatus().signatures == 2)
        #expect(rig.pinVerifications.accepted == 2)
        #expect(rig.pinVerifications.wrong == 0)
    }
}
