import Foundation
import NIOCore
import NIOPosix
import TLS

/// Connects to an origin the way the gateway would and reports what TLS looked like: the engine of
/// `gosgatectl diagnose tls`, the first thing to run when EPGU answers `access_denied_system`.
///
/// When certificate verification fails, the origin is contacted a second time without enforcing
/// it, so the report still shows the chain the server presents and what is wrong with it.
public struct TLSDiagnosis: Sendable {
    /// What to connect to and how.
    public struct Request: Sendable {
        public var origin: Origin
        public var tls: TLSConfiguration
        public var proxy: HTTPProxy?
        /// SNI and certificate name, when not the URL's host.
        public var serverName: String?
        public var connectTimeout: Duration

        public init(origin: Origin, tls: TLSConfiguration, proxy: HTTPProxy? = nil, serverName: String? = nil,
                    connectTimeout: Duration = .seconds(10)) {
            self.origin = origin
            self.tls = tls
            self.proxy = proxy
            self.serverName = serverName
            self.connectTimeout = connectTimeout
        }
    }

    /// The outcome, ready to print or encode as JSON.
    public struct Report: Sendable, Codable {
        public var ok: Bool
        public var origin: String
        public var proxy: String?
        public var serverName: String
        public var trustRoots: String
        public var offeredCiphers: String
        public var connectMilliseconds: Double?
        public var handshakeMilliseconds: Double?
        public var protocolVersion: String?
        public var cipherSuite: String?
        /// `0xFF85` style.
        public var cipherSuiteID: String?
        public var applicationProtocol: String?
        public var resumed: Bool?
        /// `verified`, or what verification found.
        public var verdict: String?
        public var peerChain: [CertificateSummary]
        /// Stable error code when `ok` is false.
        public var code: String?
        /// One-line reason when `ok` is false.
        public var message: String?
    }

    /// Runs the diagnosis; never throws, failures are part of the report.
    public static func run(_ request: Request,
                           group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> Report {
        var report = Report(
            ok: false, origin: request.origin.description, proxy: request.proxy?.description,
            serverName: request.serverName ?? request.origin.host, trustRoots: request.tls.trustRoots.description,
            offeredCiphers: request.tls.cipherList ?? "OpenSSL defaults", peerChain: [])
        do {
            let connection = try await connect(request, tls: request.tls, group: group)
            report.record(connection)
            report.ok = true
            return report
        } catch {
            report.code = error.code
            report.message = error.description
            // Show the chain anyway: connect once more only reporting, not enforcing, verification.
            if case .tls(_, let tlsError) = error, tlsError.isCertificateVerificationFailure {
                var lenient = request.tls
                lenient.certificateVerification = .none
                if let connection = try? await connect(request, tls: lenient, group: group) {
                    report.record(connection)
                }
            }
            return report
        }
    }

    private static func connect(_ request: Request, tls: TLSConfiguration,
                                group: EventLoopGroup) async throws(UpstreamError) -> UpstreamConnector.Connection {
        let context: TLSContext
        do {
            context = try TLSContext(configuration: tls)
        } catch {
            throw .tlsConfiguration(error)
        }
        let connection = try await UpstreamConnector.connect(
            to: request.origin, tlsContext: context, proxy: request.proxy, connectTimeout: request.connectTimeout,
            serverName: request.serverName, group: group)
        try? await connection.channel.close()
        return connection
    }
}

extension TLSDiagnosis.Report {
    fileprivate mutating func record(_ connection: UpstreamConnector.Connection) {
        connectMilliseconds = Self.milliseconds(connection.connectDuration)
        guard let tls = connection.tls else { return }
        handshakeMilliseconds = Self.milliseconds(tls.duration)
        protocolVersion = tls.protocolVersion
        cipherSuite = tls.cipherSuite
        let hex = String(tls.cipherSuiteID, radix: 16, uppercase: true)
        cipherSuiteID = "0x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        applicationProtocol = tls.applicationProtocol
        resumed = tls.resumed
        verdict = tls.verdict.description
        peerChain = tls.peerChain
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(toPlaces: 2)
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
