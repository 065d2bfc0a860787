import ESIA
import Foundation
@testable import Gateway
import GOST
import Logging
import Stand
import TestSupport
import Token
import Upstream

/// One identity's token manager composed as `GatewayService` composes it, signing on the rig's
/// virtual card: the stand's registered signer key on the card (pcscd + vpcd + gosgate-vcard), a
/// `SignerHolder` with its PC/SC presence monitor, `APIKeyTokenSource` over the gateway's GOST TLS
/// transport to an in-process stand, and the gateway's wake-up when a card is inserted.
///
/// The manager's clock can be moved ahead (`clock`), its backoff is long, and nobody calls
/// `maintain()`: a token obtained after a failure came from the presence wake-up, not from a timer.
final class CardTokenHarness: @unchecked Sendable {
    // @unchecked: every stored property is immutable; the objects behind them are thread-safe.

    let rig: PCSCRig
    let stand: Stand
    let apiKey: String
    /// The stand's CA, which issued the signer certificate on the card.
    let caCertificate: String
    let holder: SignerHolder
    let manager: TokenManager
    let transport: SignatureCapturingTransport
    let events: RecordedTokenEvents
    let clock: AdjustableClock
    let directory: TemporaryDirectory

    /// How long a signature waits for an absent card before the attempt fails with `token_absent`
    /// (the gateway's default is 30 s; short here to keep the suite fast).
    static let signingDeadline: Duration = .seconds(2)

    private init(rig: PCSCRig, stand: Stand, apiKey: String, caCertificate: String, holder: SignerHolder,
                 manager: TokenManager, transport: SignatureCapturingTransport, events: RecordedTokenEvents,
                 clock: AdjustableClock, directory: TemporaryDirectory) {
        self.rig = rig
        self.stand = stand
        self.apiKey = apiKey
        self.caCertificate = caCertificate
        self.holder = holder
        self.manager = manager
        self.transport = transport
        self.events = events
        self.clock = clock
        self.directory = directory
    }

    /// Starts a stand and a rig whose card holds the stand's signer, builds the manager with
    /// `driver` and `pin` (default: the card's PIN), runs `body`, and stops everything.
    static func run(driver: TokenDriverKind, pin: String? = nil,
                    _ body: (CardTokenHarness) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "gosgate-card-token")
        defer { directory.remove() }
        var options = StandInitializer.Options()
        options.port = 0
        let initialized = try StandInitializer.initialize(directory: directory.path("stand"), options: options)
        let stand = try Stand(configuration: try StandConfiguration.load(from: initialized.configurationFile),
                              logger: quietLogger)
        let endpoints = try await stand.start()
        guard let apiKey = initialized.organisation.apiKeys.first?.key else {
            await stand.stop()
            throw PeerFailure("the stand made no API-KEY")
        }
        let cardOptions = PCSCRig.CardOptions(keyPair: GOSTFixtures.KeyPair(
            keyPath: initialized.signerKey, certificatePath: initialized.signerCertificate))
        do {
            try await PCSCRig.run(cardOptions) { rig in
                // ESIA and EPGU share the stand's GOST TLS origin, as `GatewayService` configures it.
                var upstreamConfiguration = UpstreamConfiguration()
                upstreamConfiguration.tlsPerOrigin[try Origin.split(endpoints.esiaURL.absoluteString).origin] =
                    .gostClient(trustRoots: .file(initialized.caCertificate),
                                cipherList: "LEGACY-GOST2012-GOST8912-GOST8912")
                let upstream = UpstreamClient(configuration: upstreamConfiguration)
                defer { upstream.shutdown() }

                let holder = SignerHolder(configuration: try configuration(driver, rig),
                                          pin: try TokenPIN(pin ?? rig.options.pin), logger: quietLogger)
                let transport = SignatureCapturingTransport(wrapping: UpstreamESIATransport(upstream: upstream))
                let source = APIKeyTokenSource(apiKey: apiKey, esia: endpoints.esiaURL,
                                               signer: { try await holder.current() }, transport: transport,
                                               classifySignerError: TokenFailureClassifier.classify)
                let clock = AdjustableClock()
                let events = RecordedTokenEvents()
                let manager = TokenManager(identity: "org", source: source,
                                           policy: RefreshPolicy(initialBackoff: .seconds(60), maximumBackoff: .seconds(60)),
                                           events: events, now: { clock.now })
                // What `GatewayService`'s background work does with the holder's monitor.
                guard let monitor = holder.monitor else { throw PeerFailure("no presence monitor for \(driver)") }
                let wakeUp = Task {
                    for await event in monitor.events() {
                        if case .cardInserted = event { await manager.wake() }
                    }
                }
                monitor.start()
                let harness = CardTokenHarness(rig: rig, stand: stand, apiKey: apiKey,
                                               caCertificate: initialized.caCertificate, holder: holder,
                                               manager: manager, transport: transport, events: events,
                                               clock: clock, directory: directory)
                let outcome: Result<Void, any Error>
                do {
                    try await body(harness)
                    outcome = .success(())
                } catch {
                    outcome = .failure(error)
                }
                wakeUp.cancel()
                await manager.settle()
                await holder.shutdown()
                try outcome.get()
            }
        } catch {
            await stand.stop()
            throw error
        }
        await stand.stop()
    }

    /// The gateway's token configuration for the rig's card: `pcsc` reads the certificate from the
    /// card; `pkcs11` goes through the real `opensc-pkcs11.so`, which cannot expose a GOST-2012
    /// certificate, so the certificate comes from the file as it must on a real site.
    static func configuration(_ driver: TokenDriverKind, _ rig: PCSCRig) throws -> TokenConfiguration {
        switch driver {
        case .pcsc:
            return TokenConfiguration(driver: .pcsc(PCSCSettings(reader: PCSCRig.readerName)), deadline: signingDeadline)
        case .pkcs11:
            return TokenConfiguration(driver: .pkcs11(PKCS11Settings(modulePath: PCSCRig.openSCModule,
                                                                     tokenSerial: rig.options.serial,
                                                                     keyID: Data(hex: rig.options.keyID))),
                                      certificateFile: rig.certificatePath, deadline: signingDeadline)
        case .file:
            throw PeerFailure("the file driver does not use the card")
        }
    }

    // MARK: peers

    /// `openssl cms -verify` of the CAdES in `signature` (base64url, as sent to the stand) over the
    /// API-KEY, trusting only the stand's CA. Returns openssl's complaint, or nil when it verifies.
    func opensslRejects(signature: String) async throws -> String? {
        let name = UUID().uuidString
        let cms = directory.path("\(name).p7s"), content = directory.path("\(name).txt")
        try Base64URL.decode(signature).write(to: URL(fileURLWithPath: cms))
        try Data(apiKey.utf8).write(to: URL(fileURLWithPath: content))
        let result = try await ChildProcess.run("/usr/bin/openssl", [
            "cms", "-verify", "-binary", "-inform", "DER", "-in", cms, "-content", content,
            "-CAfile", caCertificate, "-out", "/dev/null",
        ])
        return result.status == 0 && result.stderr.contains("Verification successful") ? nil : result.stderr
    }

    static let quietLogger = Logger(label: "gosgate.test.card-token") { _ in SwiftLogNoOpLogHandler() }
}
