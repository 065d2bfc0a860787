import Foundation

/// The whole of `/etc/gosgate/gosgate.yaml`, validated. Every key is documented in
/// `etc/gosgate.example.yaml`; defaults are what a single-box appliance wants.
public struct GatewayConfiguration: Sendable, Equatable {
    /// Default location of the operator's file.
    public static let defaultPath = "/etc/gosgate/gosgate.yaml"

    public var store: StoreSettings
    public var admin: AdminSettings
    public var gateway: GatewaySettings
    public var health: HealthSettings
    public var token: TokenSettings
    public var environments: [String: EnvironmentSettings]
    public var quotas: QuotaSettings
    public var log: LogSettings
}

/// `store:` where SQLite keeps identities, clients and the audit chain.
public struct StoreSettings: Sendable, Equatable {
    public var path: String
}

/// `admin:` the Unix socket `gosgatectl` talks to.
public struct AdminSettings: Sendable, Equatable {
    public var socket: String
    public var operatorGroup: String
}

/// A listen address: TCP host and port, or a Unix socket path.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// Parses `127.0.0.1:8080`, `[::1]:8080` or `unix:/run/gosgate/gateway.sock`. Port 0 asks the
    /// kernel for a free port (tests and demos read the real one from the start-up log).
    public init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/") else { return nil }
            self = .unix(path: path)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}

/// `gateway:` the inbound listener internal systems call.
public struct GatewaySettings: Sendable, Equatable {
    public var listen: [ListenAddress]
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var clientCA: String?
    public var maxBodyBytes: Int
    public var maxHeaderBytes: Int
    public var headerTimeout: Duration
    public var bodyTimeout: Duration
    public var maxConcurrentRequests: Int
    /// On SIGTERM, how long calls in flight may take to finish before they are cut off.
    public var shutdownGrace: Duration
}

/// `health:` liveness, readiness and Prometheus metrics, on their own listener.
public struct HealthSettings: Sendable, Equatable {
    public var listen: ListenAddress
}

/// Which driver signs for ESIA.
public enum TokenDriverKind: String, Sendable, Equatable, CaseIterable {
    case pkcs11, pcsc, file
}

/// `token:` the hardware token (or, on stands only, a software key).
public struct TokenSettings: Sendable, Equatable {
    public var driver: TokenDriverKind
    public var module: String?
    public var reader: String?
    public var tokenLabel: String?
    public var tokenSerial: String?
    public var keyID: String?
    public var keyLabel: String?
    public var certificate: String?
    public var keyFile: String?
    public var allowSoftwareKey: Bool
    public var pinCredential: String
}

/// `environments.<name>:` one ESIA + EPGU pair with its trust and cipher settings.
public struct EnvironmentSettings: Sendable, Equatable {
    public var esia: URL
    public var epgu: URL
    public var caPath: String?
    public var epguCiphers: String
    public var esiaCiphers: String?
    public var proxy: URL?
    /// `esia_token_certificates`: ESIA's token-signing certificates (files or directories). When set,
    /// every access token obtained in this environment must verify against one of them.
    public var esiaTokenCertificates: [String] = []
}

/// `quotas:` EPGU's per-system limits (research §4.1) and how long an excess request may wait.
public struct QuotaSettings: Sendable, Equatable {
    public var perMinute: Int
    public var perHour: Int
    public var perDay: Int
    public var ordersPerServicePerUser: Int
    public var queueDeadline: Duration
}

/// `log:` verbosity.
public struct LogSettings: Sendable, Equatable {
    public enum Level: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }
    public var level: Level
}
