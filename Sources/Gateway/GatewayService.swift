import Config
import ESIA
import Foundation
import GOST
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Store
import Systemd
import TLS
import Token
import Upstream

/// The running gateway: everything `gosgated` assembles from its configuration file.
public final class GatewayService: Sendable {
    public let configuration: GatewayConfiguration
    public let store: GatewayStore
    public let auditor: CallAuditor
    public let metrics: GatewayMetrics
    public let governor: QuotaGovernor
    public let identities = IdentityRegistry()
    let clientRates = ClientRateLimiter()
    let clients: ClientDirectory
    let inflight: ConcurrencyLimit
    public let signer: SignerHolder
    let upstream: UpstreamClient
    let logger: Logger

    /// Opens the store, builds the upstream client, the signer and one token manager per identity.
    /// A missing hardware token is not an error here: it is a status, and tokens wait for it.
    public init(configuration: GatewayConfiguration, pin: TokenPIN? = nil, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        try GOSTEngine.ensureLoaded()
        store = try GatewayStore(path: configuration.store.path)
        let chain = try store.verifyAudit()
        guard chain.isIntact else {
            throw GatewayStartError.auditChainBroken(chain.firstBreak.map { "record \($0.seq): \($0.reason)" } ?? "")
        }
        auditor = CallAuditor(store: store)
        metrics = GatewayMetrics()
        inflight = ConcurrencyLimit(capacity: configuration.gateway.maxConcurrentRequests)
        clients = ClientDirectory(store: store)
        let restored = try store.quotaCounts(since: Date().addingTimeInterval(-86_400 - 3600))
        governor = QuotaGovernor(restoring: restored.map {
            QuotaGovernor.Snapshot(scope: $0.scope, windowStart: $0.windowStart, count: $0.count)
        })
        upstream = UpstreamClient(configuration: try Self.upstreamConfiguration(configuration))
        signer = SignerHolder(configuration: try Self.tokenConfiguration(configuration.token), pin: pin, logger: logger)

        transport = UpstreamESIATransport(upstream: upstream)
        tokenEvents = GatewayTokenEvents(auditor: auditor, metrics: metrics, logger: logger)
        try reloadIdentities()
    }

    let transport: UpstreamESIATransport
    let tokenEvents: GatewayTokenEvents

    /// Re-reads identities from the store: new ones start obtaining tokens, removed ones stop, and
    /// unchanged ones keep their token manager (and their valid token).
    public func reloadIdentities() throws {
        let stored = try store.identities()
        for identity in stored {
            guard let environment = configuration.environments[identity.environment] else {
                logger.error("identity \(identity.name) names environment \(identity.environment), which is not configured; it is skipped")
                identities.remove(named: identity.name)
                continue
            }
            let fingerprint = "\(identity.environment)|\(identity.flow)|\(identity.apiKey ?? "")|\(identity.clientID ?? "")|\(identity.scopes)|\(environment.esia)|\(environment.epgu)"
            if identities.identity(named: identity.name)?.fingerprint == fingerprint { continue }
            let source = tokenSource(for: identity, environment: environment)
            identities.register(GatewayIdentity(
                name: identity.name, environment: identity.environment, epguOrigin: environment.epgu,
                tokens: TokenManager(identity: identity.name, source: source, events: tokenEvents),
                fingerprint: fingerprint))
        }
        let names = Set(stored.map(\.name))
        for registered in identities.all where !names.contains(registered.name) {
            identities.remove(named: registered.name)
        }
    }

    /// The proxy, for the gateway listeners.
    public var proxyResponder: ProxyResponder {
        let quotas = configuration.quotas
        return ProxyResponder(
            clients: clients, identities: identities, governor: governor,
            systemWindows: QuotaWindow.epguSystemLimits(perMinute: quotas.perMinute, perHour: quotas.perHour,
                                                        perDay: quotas.perDay),
            ordersWindow: .orders(limit: quotas.ordersPerServicePerUser),
            epgu: UpstreamEPGUClient(upstream: upstream), auditor: auditor, metrics: metrics,
            clientRates: clientRates, inflight: inflight,
            settings: ProxySettings(maxBodyBytes: configuration.gateway.maxBodyBytes, queueDeadline: quotas.queueDeadline),
            logger: logger)
    }

    /// The health endpoints.
    public var healthResponder: HealthResponder {
        HealthResponder(store: store, auditor: auditor, identities: identities, governor: governor, inflight: inflight,
                        metrics: metrics)
    }

    /// Runs listeners and background work until SIGTERM/SIGINT (graceful) or cancellation.
    /// - Parameters:
    ///   - gatewaySockets: listening sockets systemd passed for the gateway (`gosgate.socket`); when
    ///     there are any they replace `gateway.listen`.
    ///   - additionalServices: run in the same service group and shut down first (the admin socket).
    ///   - onReady: called once every listener is bound, with the bound addresses.
    public func run(gatewaySockets: [ActivatedSocket] = [], additionalServices: [any Service] = [],
                    onReady: @escaping @Sendable ([BoundListener]) async -> Void = { _ in }) async throws {
        try store.appendAudit(kind: .system, actor: "gosgated", subject: "start",
                                    detail: ["version": GosgateVersion.current])
        let gatewayListeners = gatewaySockets.isEmpty ? configuration.gateway.listen.count : gatewaySockets.count
        let bound = BoundListeners(expected: gatewayListeners + 1, onReady: onReady)
        var services: [any Service] = []
        let gatewayChannel = try gatewayChildChannelFactory()
        let proxy = proxyResponder
        if gatewaySockets.isEmpty {
            for address in configuration.gateway.listen {
                services.append(Application(
                    responder: proxy, server: HTTPServerBuilder(gatewayChannel),
                    configuration: ApplicationConfiguration(address: Self.bindAddress(address), serverName: nil),
                    onServerRunning: { channel in await bound.add(BoundListener(role: .gateway, channel.localAddress, configured: address)) },
                    logger: logger))
            }
        } else {
            let responder = ActivatedListener.channelResponder(proxy, logger: logger)
            for socket in gatewaySockets {
                services.append(ActivatedListener(
                    socket: socket, childChannel: gatewayChannel(responder),
                    onRunning: { address in await bound.add(BoundListener(role: .gateway, activated: address, descriptor: socket.descriptor)) },
                    logger: logger))
            }
        }
        services.append(Application(
            responder: healthResponder,
            configuration: ApplicationConfiguration(address: Self.bindAddress(configuration.health.listen)),
            onServerRunning: { [configuration] channel in
                await bound.add(BoundListener(role: .health, channel.localAddress, configured: configuration.health.listen))
            },
            logger: logger))
        services.append(BackgroundWork(service: self))
        services += additionalServices
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // SIGTERM: listeners stop accepting and calls in flight finish, for at most shutdown_grace;
        // then whatever is left is cancelled (its clients see the connection close).
        groupConfiguration.maximumGracefulShutdownDuration = configuration.gateway.shutdownGrace
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        // Child tasks inherit the preference: every connection's work runs on NIO's loops.
        try await withTaskExecutorPreference(EventLoopTaskExecutor.singleton) {
            try await ServiceGroup(configuration: groupConfiguration).run()
        }
        await signer.shutdown()
        upstream.shutdown()
    }

    /// Flushes quota counts to the store (they survive a restart).
    func persistQuotas() async {
        let snapshots = await governor.takeDirtySnapshots()
        guard !snapshots.isEmpty else { return }
        do {
            try store.saveQuotaCounts(snapshots.map {
                GatewayStore.QuotaCount(scope: $0.scope, windowStart: $0.windowStart, count: $0.count)
            })
        } catch {
            logger.error("quota counts not saved: \(error)")
        }
    }

    /// Builds each gateway connection's channel: HTTP/1.1 (over TLS when configured) with the
    /// decoder's head-size limit, the read deadlines and the origin-form guard.
    private func gatewayChildChannelFactory() throws
        -> @Sendable (@escaping HTTPChannelHandler.Responder) -> any ServerChildChannel {
        let settings = configuration.gateway
        // No Hummingbird idle timeout: InboundDeadlines closes idle connections and answers slow ones.
        let http = HTTP1Channel.Configuration(
            idleTimeout: nil,
            httpDecoderConfiguration: .init(maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes))
        let limits = InboundDeadlines.Limits(headerTimeout: settings.headerTimeout, bodyTimeout: settings.bodyTimeout)
        var tlsContext: TLSContext?
        if let certificate = settings.tlsCertificate, let key = settings.tlsKey {
            var tls = TLSConfiguration.server(certificateChainFile: certificate, privateKeyFile: key)
            if let clientCA = settings.clientCA {
                tls.trustRoots = .file(clientCA)
                tls.certificateVerification = .fullVerification
            }
            tlsContext = try TLSContext(configuration: tls)
        }
        return { [tlsContext] responder in
            let guarded = GuardedHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: http), limits: limits)
            guard let tlsContext else { return guarded }
            return TLSServerChildChannel(guarded, context: tlsContext)
        }
    }

    static func bindAddress(_ address: ListenAddress) -> BindAddress {
        switch address {
        case .tcp(let host, let port): return .hostname(host, port: port)
        case .unix(let path): return .unixDomainSocket(path: path)
        }
    }

    static func upstreamConfiguration(_ configuration: GatewayConfiguration) throws -> UpstreamConfiguration {
        var upstream = UpstreamConfiguration()
        for environment in configuration.environments.values {
            let trust: TLSConfiguration.TrustRoots = environment.caPath.map { path in
                var isDirectory: ObjCBool = false
                FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                return isDirectory.boolValue ? .directory(path) : .file(path)
            } ?? .system
            let epgu = try Origin.split(environment.epgu.absoluteString).origin
            let esia = try Origin.split(environment.esia.absoluteString).origin
            if epgu.scheme == .https {
                upstream.tlsPerOrigin[epgu] = .gostClient(trustRoots: trust, cipherList: environment.epguCiphers)
            }
            // A stand may serve ESIA and EPGU on one GOST TLS origin; EPGU's settings then apply to both.
            if esia.scheme == .https, upstream.tlsPerOrigin[esia] == nil {
                var esiaTLS = TLSConfiguration.standardClient(trustRoots: trust)
                if let ciphers = environment.esiaCiphers { esiaTLS.cipherList = ciphers }
                upstream.tlsPerOrigin[esia] = esiaTLS
            }
            if let proxy = environment.proxy { upstream.proxy = try HTTPProxy(url: proxy.absoluteString) }
        }
        return upstream
    }

    static func tokenConfiguration(_ token: TokenSettings) throws -> TokenConfiguration {
        switch token.driver {
        case .pkcs11:
            let keyID = token.keyID.flatMap { Data(hexDigits: $0) }  // the loader checked it is hex
            return TokenConfiguration(
                driver: .pkcs11(PKCS11Settings(modulePath: token.module ?? "", tokenLabel: token.tokenLabel,
                                               tokenSerial: token.tokenSerial, keyID: keyID, keyLabel: token.keyLabel)),
                certificateFile: token.certificate)
        case .pcsc:
            return TokenConfiguration(driver: .pcsc(PCSCSettings(reader: token.reader)), certificateFile: token.certificate)
        case .file:
            return TokenConfiguration(
                driver: .file(SoftwareKeySettings(keyFile: token.keyFile ?? "", allowSoftwareKey: token.allowSoftwareKey)),
                certificateFile: token.certificate)
        }
    }
}

/// Why the gateway refuses to start.
public enum GatewayStartError: Error, CustomStringConvertible {
    case auditChainBroken(String)

    public var description: String {
        switch self {
        case .auditChainBroken(let where_):
            return "the audit chain is broken at \(where_); refusing to append to it (run `gosgatectl audit verify`)"
        }
    }
}

/// A listener that is up.
public struct BoundListener: Sendable, CustomStringConvertible {
    public enum Role: String, Sendable { case gateway, health }
    public let role: Role
    /// `127.0.0.1:8080`, `[::1]:8080` or `unix:/path`.
    public let address: String
    /// The bound TCP port (the real one when the configuration said 0).
    public let port: Int?

    init(role: Role, _ bound: SocketAddress?, configured: ListenAddress) {
        self.role = role
        switch (bound, configured) {
        case (.some(let socket), .tcp(let host, _)) where socket.port != nil:
            port = socket.port
            address = ListenAddress.tcp(host: host, port: socket.port!).description
        default:
            port = nil
            address = configured.description
        }
    }

    /// A socket systemd passed.
    init(role: Role, activated bound: SocketAddress?, descriptor: CInt) {
        self.role = role
        port = bound?.port
        switch bound {
        case .some(.unixDomainSocket): address = "unix:\(bound?.pathname ?? "?") (fd \(descriptor) from systemd)"
        case .some(let socket): address = "\(socket.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"):\(socket.port ?? 0) (fd \(descriptor) from systemd)"
        case nil: address = "fd \(descriptor) from systemd"
        }
    }

    public var description: String { "\(role.rawValue) \(address)" }
}

/// Collects bound listeners and reports readiness once all are up.
actor BoundListeners {
    private var listeners: [BoundListener] = []
    private let expected: Int
    private let onReady: @Sendable ([BoundListener]) async -> Void

    init(expected: Int, onReady: @escaping @Sendable ([BoundListener]) async -> Void) {
        self.expected = expected
        self.onReady = onReady
    }

    func add(_ listener: BoundListener) async {
        listeners.append(listener)
        if listeners.count == expected { await onReady(listeners) }
    }
}

/// The periodic quota flush; at shutdown it stops the token managers and flushes once more.
struct BackgroundWork: Service {
    let service: GatewayService

    func run() async throws {
        let service = self.service
        // Work stops at graceful shutdown; the quota counts are flushed one last time.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        await service.persistQuotas()
                    }
                }
                if let monitor = service.signer.monitor {
                    // A token plugged in: identities waiting for it try at once.
                    group.addTask {
                        monitor.start()
                        for await event in monitor.events() {
                            if case .cardInserted = event { await service.wakeTokenManagers() }
                        }
                    }
                }
            }
        }
        service.identities.stopAll()
        await service.persistQuotas()
    }
}

extension GatewayService {
    /// A person acted on the token (PIN handed over, token inserted): every identity waiting for
    /// that tries again now.
    public func wakeTokenManagers() async {
        for identity in identities.all { await identity.tokens.wake() }
    }
}

extension GatewayService {
    /// The watchdog's health check: the event loops answer and every token manager answers.
    public func isResponsive() async -> Bool {
        guard await EventLoopProbe.allAnswer(MultiThreadedEventLoopGroup.singleton, within: .seconds(2)) else { return false }
        for identity in identities.all { _ = await identity.tokens.status() }
        return true
    }
}
