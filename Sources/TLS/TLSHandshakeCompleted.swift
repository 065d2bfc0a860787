/// Fired as a user inbound event (and through the handshake promise) when a handshake succeeds:
/// everything `gosgatectl diagnose tls` shows and the gateway logs about a TLS session.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// The outcome of checking the peer's certificate chain.
    public enum Verdict: Sendable, Hashable, CustomStringConvertible {
        /// Chain and (when asked for) name checked and accepted.
        case verified
        /// The peer sent no certificate (a server that did not ask for one).
        case noPeerCertificate
        /// Verification was not enforced and found this problem.
        case failed(String)

        public var description: String {
            switch self {
            case .verified: return "verified"
            case .noPeerCertificate: return "no peer certificate"
            case .failed(let why): return "NOT verified: \(why)"
            }
        }
    }

    /// `TLSv1.2` or `TLSv1.3`.
    public let protocolVersion: String
    /// OpenSSL's name of the suite (`LEGACY-GOST2012-GOST8912-GOST8912`).
    public let cipherSuite: String
    /// The two-byte IANA code of the suite (0xFF85 for the legacy GOST suite).
    public let cipherSuiteID: UInt16
    /// The peer's chain, its own certificate first (as verified, or as sent when not verified).
    public let peerChain: [CertificateSummary]
    /// The verification verdict.
    public let verdict: Verdict
    /// Whether an earlier session was resumed (no full key exchange).
    public let resumed: Bool
    /// The ALPN protocol both sides agreed on, if any.
    public let applicationProtocol: String?
    /// Server side: the name the client asked for (SNI). Client side: the name we sent.
    public let serverName: String?
    /// Time from the first handshake byte to completion.
    public let duration: Duration
}
