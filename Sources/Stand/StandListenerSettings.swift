/// Where the stand listens and whether it speaks GOST TLS.
public struct StandListenerSettings: Codable, Sendable, Equatable {
    /// The address to bind; loopback by default.
    public var host: String
    /// The EPGU port (and the ESIA port when `esiaPort` is nil). 0 picks a free port.
    public var port: Int
    /// A separate port for ESIA; nil serves ESIA on `port` as well.
    public var esiaPort: Int?
    /// GOST TLS (true) or plain HTTP (false).
    public var tls: Bool
    /// TLS 1.2 suites in OpenSSL syntax; by default only 0xFF85, the suite the EPGU specification names.
    public var cipherList: String
    /// PEM file with the server certificate followed by the CA certificate.
    public var certificateChainFile: String
    /// PEM file with the server's private key.
    public var privateKeyFile: String
    /// Whether `/__stand/...` (faults, clock, order internals) is served. It has no authentication.
    public var controlAPI: Bool

    public init(host: String = "127.0.0.1", port: Int = 7443, esiaPort: Int? = nil, tls: Bool = true,
                cipherList: String = "LEGACY-GOST2012-GOST8912-GOST8912",
                certificateChainFile: String = "server-chain.pem", privateKeyFile: String = "server.key.pem",
                controlAPI: Bool = true) {
        self.host = host
        self.port = port
        self.esiaPort = esiaPort
        self.tls = tls
        self.cipherList = cipherList
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.controlAPI = controlAPI
    }

    private enum CodingKeys: String, CodingKey {
        case host, port, esiaPort, tls, cipherList, certificateChainFile, privateKeyFile, controlAPI
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        host = try container.decode(.host, default: defaults.host)
        port = try container.decode(.port, default: defaults.port)
        esiaPort = try container.decodeIfPresent(Int.self, forKey: .esiaPort)
        tls = try container.decode(.tls, default: defaults.tls)
        cipherList = try container.decode(.cipherList, default: defaults.cipherList)
        certificateChainFile = try container.decode(.certificateChainFile, default: defaults.certificateChainFile)
        privateKeyFile = try container.decode(.privateKeyFile, default: defaults.privateKeyFile)
        controlAPI = try container.decode(.controlAPI, default: defaults.controlAPI)
    }
}
