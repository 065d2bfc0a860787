/// Everything that decides how one side of a TLS connection behaves; one value per origin.
///
/// The value is `Hashable`, so callers that talk to many origins can keep one `TLSContext` per
/// distinct configuration instead of one per connection.
public struct TLSConfiguration: Hashable, Sendable {
    /// A TLS protocol version this module can negotiate.
    public enum ProtocolVersion: String, Hashable, Sendable, Comparable, CustomStringConvertible {
        case tls1_2 = "TLSv1.2"
        case tls1_3 = "TLSv1.3"

        public var description: String { rawValue }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .tls1_2 && rhs == .tls1_3 }
    }

    /// Where trusted root and intermediate certificates come from.
    public enum TrustRoots: Hashable, Sendable, CustomStringConvertible {
        /// OpenSSL's compiled-in default locations (Debian: /etc/ssl/certs).
        case system
        /// One PEM file with one or more CA certificates.
        case file(String)
        /// A directory prepared with `openssl rehash` (or `c_rehash`).
        case directory(String)

        public var description: String {
            switch self {
            case .system: return "the system CA store"
            case .file(let path), .directory(let path): return path
            }
        }
    }

    /// How much of the peer's certificate is checked.
    public enum CertificateVerification: Hashable, Sendable {
        /// Nothing is enforced (the verdict is still computed and reported). Diagnostics only.
        case none
        /// The chain must lead to a trusted root; the name is not checked.
        case noHostnameVerification
        /// Chain and name (DNS name or IP address) are both checked. A server with this setting
        /// requires and checks a client certificate (mutual TLS).
        case fullVerification
    }

    /// The GOST TLS 1.2 suites in the order a client offers them: the legacy 0xFF85 suite that the
    /// EPGU specification names first, then the RFC 9189 ones.
    public static let gostCipherList =
        "LEGACY-GOST2012-GOST8912-GOST8912:IANA-GOST2012-GOST8912-GOST8912:"
        + "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC:GOST2012-MAGMA-MAGMAOMAC"

    /// Ordinary forward-secret TLS 1.2 suites for ESIA and inbound use (TLS 1.3 suites are separate).
    public static let standardCipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM"

    /// Lowest protocol version accepted.
    public var minimumVersion: ProtocolVersion
    /// Highest protocol version offered; `nil` means the highest this OpenSSL supports.
    public var maximumVersion: ProtocolVersion?
    /// TLS 1.2 suites in OpenSSL cipher-list syntax; `nil` keeps OpenSSL's default list.
    public var cipherList: String?
    /// TLS 1.3 suites in OpenSSL ciphersuites syntax; `nil` keeps OpenSSL's default.
    public var tls13CipherSuites: String?
    /// Trusted CAs for checking the peer.
    public var trustRoots: TrustRoots
    /// How much of the peer's certificate is enforced.
    public var certificateVerification: CertificateVerification
    /// PEM file with our certificate followed by its intermediates (server; client for mutual TLS).
    public var certificateChainFile: String?
    /// PEM file with the private key of `certificateChainFile` (software key).
    public var privateKeyFile: String?
    /// ALPN protocol names in preference order (for example `["http/1.1"]`); empty disables ALPN.
    public var applicationProtocols: [String]
    /// How long a handshake may take before the connection is dropped.
    public var handshakeTimeout: Duration
    /// Whether sessions are cached and resumed (client: per origin; server: in the context).
    public var sessionResumption: Bool

    /// A configuration with every field spelled out; the static constructors cover common cases.
    public init(minimumVersion: ProtocolVersion = .tls1_2, maximumVersion: ProtocolVersion? = nil,
                cipherList: String? = nil, tls13CipherSuites: String? = nil,
                trustRoots: TrustRoots = .system,
                certificateVerification: CertificateVerification = .fullVerification,
                certificateChainFile: String? = nil, privateKeyFile: String? = nil,
                applicationProtocols: [String] = [], handshakeTimeout: Duration = .seconds(10),
                sessionResumption: Bool = true) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.cipherList = cipherList
        self.tls13CipherSuites = tls13CipherSuites
        self.trustRoots = trustRoots
        self.certificateVerification = certificateVerification
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.applicationProtocols = applicationProtocols
        self.handshakeTimeout = handshakeTimeout
        self.sessionResumption = sessionResumption
    }

    /// A client for a GOST TLS origin (EPGU): TLS 1.2 only, GOST suites only, full verification.
    public static func gostClient(trustRoots: TrustRoots, cipherList: String = gostCipherList) -> TLSConfiguration {
        TLSConfiguration(minimumVersion: .tls1_2, maximumVersion: .tls1_2, cipherList: cipherList,
                         trustRoots: trustRoots)
    }

    /// A client for an ordinary TLS 1.2/1.3 origin (ESIA), full verification.
    public static func standardClient(trustRoots: TrustRoots = .system) -> TLSConfiguration {
        TLSConfiguration(cipherList: standardCipherList, trustRoots: trustRoots)
    }

    /// A server presenting `certificateChainFile`/`privateKeyFile`; no client certificate is asked
    /// for unless `certificateVerification` is changed to `.fullVerification` (mutual TLS).
    public static func server(certificateChainFile: String, privateKeyFile: String,
                              cipherList: String? = nil) -> TLSConfiguration {
        TLSConfiguration(cipherList: cipherList, certificateVerification: .none,
                         certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile)
    }
}
