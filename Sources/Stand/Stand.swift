import Foundation
import Gateway
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization
import TLS

/// `gosgate-stand`: an ESIA + EPGU emulator over GOST TLS (or plain HTTP), for integrators, the demo
/// and the tests.
///
/// ESIA and EPGU share one listener unless `listener.esiaPort` is set; the control API
/// (`/__stand/…`) is served on every listener. Start it with `start()`, which returns the bound ports
/// (port 0 in the configuration picks free ones), and stop it with `stop()`.
public final class Stand: Sendable {
    /// Where a started stand listens.
    public struct Endpoints: Sendable, Equatable, CustomStringConvertible {
        /// `https` (GOST TLS) or `http`.
        public let scheme: String
        public let host: String
        /// The EPGU listener's port.
        public let epguPort: Int
        /// The ESIA listener's port (the EPGU port when they share one).
        public let esiaPort: Int

        /// Base URL of the EPGU API.
        public var epguURL: URL { URL(string: "\(scheme)://\(Self.urlHost(host)):\(epguPort)")! }
        /// Base URL of ESIA.
        public var esiaURL: URL { URL(string: "\(scheme)://\(Self.urlHost(host)):\(esiaPort)")! }

        public var description: String {
            epguPort == esiaPort ? "ESIA and EPGU at \(epguURL)" : "EPGU at \(epguURL), ESIA at \(esiaURL)"
        }

        private static func urlHost(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
    }

    private enum Listener: String, Sendable {
        case epgu, esia
    }

    private struct Running {
        var task: Task<Void, any Error>?
        var endpoints: Endpoints?
    }

    /// The configuration the stand was built from.
    public let configuration: StandConfiguration
    /// The stand's clock (tests may move it; so may `POST /__stand/clock`).
    public let clock: StandClock
    private let services: StandServices
    private let tlsContext: TLSContext?
    private let logger: Logger
    private let running = Mutex(Running())

    /// Loads keys, certificates and the database; nothing listens until `start()`.
    public init(configuration: StandConfiguration, logger: Logger = Logger(label: "gosgate-stand")) throws(StandError) {
        self.configuration = configuration
        self.logger = logger
        clock = StandClock()
        services = try StandServices(configuration: configuration, clock: clock)
        if configuration.listener.tls {
            var tls = TLSConfiguration.server(
                certificateChainFile: configuration.resolve(configuration.listener.certificateChainFile),
                privateKeyFile: configuration.resolve(configuration.listener.privateKeyFile),
                cipherList: configuration.listener.cipherList)
            // The GOST suites exist in TLS 1.2 only.
            tls.maximumVersion = .tls1_2
            do {
                tlsContext = try TLSContext(configuration: tls)
            } catch {
                throw .listener("GOST TLS cannot be set up: \(error)")
            }
        } else {
            tlsContext = nil
        }
    }

    /// Starts the listeners and returns once they accept connections.
    /// - Throws: `StandError.listener` when a port cannot be bound; nothing keeps running then.
    @discardableResult
    public func start() async throws(StandError) -> Endpoints {
        if let endpoints = running.withLock({ $0.endpoints }) { return endpoints }
        let listener = configuration.listener
        var plan: [(Listener, Int)] = [(.epgu, listener.port)]
        if let esiaPort = listener.esiaPort { plan.append((.esia, esiaPort)) }

        let (events, sink) = AsyncStream<(Listener, Int)>.makeStream()
        let applications = plan.map { kind, port in
            makeApplication(kind, separateESIA: listener.esiaPort != nil, port: port) { boundPort in
                sink.yield((kind, boundPort))
            }
        }
        let task = Task {
            defer { sink.finish() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for application in applications {
                    group.addTask { try await application.run() }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        var ports: [Listener: Int] = [:]
        for await (kind, port) in events {
            ports[kind] = port
            if ports.count == plan.count { break }
        }
        guard let epguPort = ports[.epgu], ports.count == plan.count else {
            task.cancel()
            let reason: String
            switch await task.result {
            case .failure(let error): reason = "\(error)"
            case .success: reason = "the server stopped at once"
            }
            throw .listener("cannot listen on \(listener.host) port \(plan.map { "\($0.1)" }.joined(separator: "/")): \(reason)")
        }
        let endpoints = Endpoints(scheme: tlsContext == nil ? "http" : "https", host: listener.host,
                                  epguPort: epguPort, esiaPort: ports[.esia] ?? epguPort)
        running.withLock { $0 = Running(task: task, endpoints: endpoints) }
        logger.info("gosgate-stand listening: \(endpoints)\(tlsContext == nil ? " (plain HTTP)" : " (GOST TLS, \(listener.cipherList))")")
        return endpoints
    }

    /// Stops the listeners and waits until they are closed.
    public func stop() async {
        let task = running.withLock { state -> Task<Void, any Error>? in
            defer { state = Running() }
            return state.task
        }
        guard let task else { return }
        task.cancel()
        _ = await task.result
    }

    /// The faults in force, counters as consumed so far.
    public var faults: StandFaults { services.faults.current }

    /// Replaces every fault, as `POST /__stand/faults` does (for tests that hold the stand in process).
    /// - Throws: `StandError.configuration` naming a setting out of range.
    public func setFaults(_ faults: StandFaults) throws(StandError) {
        if let problem = faults.problem { throw .configuration("faults: \(problem)") }
        services.faults.replace(with: faults)
    }

    /// Where the stand listens, once started.
    public var endpoints: Endpoints? { running.withLock { $0.endpoints } }

    private func makeApplication(_ kind: Listener, separateESIA: Bool, port: Int,
                                 onRunning: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router(context: StandRequestContext.self)
        if kind == .esia || !separateESIA { ESIARoutes(services: services).register(on: router) }
        if kind == .epgu { EPGURoutes(services: services).register(on: router) }
        if configuration.listener.controlAPI { ControlRoutes(services: services).register(on: router) }
        let http = HTTP1Channel.Configuration(additionalChannelHandlers: [ExpectContinueHandler()])
        let server: HTTPServerBuilder = tlsContext.map { .gostTLS(http, context: $0) } ?? .http1(configuration: http)
        return Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .hostname(configuration.listener.host, port: port)),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
