import Foundation

/// Everything that can go wrong on a TLS connection, each with a message a person can act on.
public enum TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The peer's chain does not lead to a CA in `trustRoots`.
    case untrustedCertificate(subject: String, issuer: String, trustRoots: String)
    /// The peer's certificate is valid but for other names.
    case hostnameMismatch(expected: String, certificateNames: [String])
    /// A certificate of the peer's chain has expired.
    case certificateExpired(subject: String, notAfter: Date)
    /// A certificate of the peer's chain is not valid yet (or our clock is wrong).
    case certificateNotYetValid(subject: String, notBefore: Date)
    /// Any other verification failure, with OpenSSL's reason.
    case certificateInvalid(subject: String, reason: String)
    /// Client side: the server accepted none of the suites we offered.
    case noSharedCipher(offered: String)
    /// Server side: the client offered none of the suites we accept.
    case clientOfferedNoSharedCipher(accepted: String)
    /// The two sides have no TLS version in common.
    case noSharedProtocolVersion(detail: String)
    /// Client side: the server wants a client certificate and none is configured.
    case clientCertificateRequired
    /// Server side: mutual TLS is on and the client sent no certificate.
    case clientCertificateMissing
    /// The peer refused our certificate (alert name as OpenSSL prints it).
    case peerRejectedCertificate(alert: String)
    /// The peer closed the TCP connection before the handshake finished.
    case peerClosedDuringHandshake
    /// The peer answered with something that is not TLS; `preview` shows its first bytes.
    case notTLS(preview: String)
    /// The handshake did not finish in time.
    case handshakeTimeout(Duration)
    /// The peer sent a fatal alert not covered above.
    case peerAlert(String)
    /// The configuration cannot be used (missing file, bad key, unknown suite name…).
    case invalidConfiguration(String)
    /// The handshake failed for another reason; OpenSSL's reason is attached.
    case handshakeFailed(String)
    /// A TLS-level failure after the handshake (bad record MAC, refused renegotiation…).
    case protocolError(String)

    /// A stable machine-readable code for JSON answers and metrics labels.
    public var code: String {
        switch self {
        case .untrustedCertificate: return "tls_untrusted_certificate"
        case .hostnameMismatch: return "tls_hostname_mismatch"
        case .certificateExpired: return "tls_certificate_expired"
        case .certificateNotYetValid: return "tls_certificate_not_yet_valid"
        case .certificateInvalid: return "tls_certificate_invalid"
        case .noSharedCipher: return "tls_no_shared_cipher"
        case .clientOfferedNoSharedCipher: return "tls_client_offered_no_shared_cipher"
        case .noSharedProtocolVersion: return "tls_no_shared_protocol_version"
        case .clientCertificateRequired: return "tls_client_certificate_required"
        case .clientCertificateMissing: return "tls_client_certificate_missing"
        case .peerRejectedCertificate: return "tls_peer_rejected_certificate"
        case .peerClosedDuringHandshake: return "tls_peer_closed_during_handshake"
        case .notTLS: return "tls_not_tls"
        case .handshakeTimeout: return "tls_handshake_timeout"
        case .peerAlert: return "tls_peer_alert"
        case .invalidConfiguration: return "tls_invalid_configuration"
        case .handshakeFailed: return "tls_handshake_failed"
        case .protocolError: return "tls_protocol_error"
        }
    }

    /// Whether the failure is about the peer's certificate (the chain is worth showing).
    public var isCertificateVerificationFailure: Bool {
        switch self {
        case .untrustedCertificate, .hostnameMismatch, .certificateExpired, .certificateNotYetValid,
             .certificateInvalid:
            return true
        default:
            return false
        }
    }

    public var description: String {
        switch self {
        case .untrustedCertificate(let subject, let issuer, let roots):
            return "certificate not trusted: issuer \(issuer) is not in \(roots) (certificate \(subject)); "
                + "add the issuing CA to the CA directory and run `openssl rehash` on it"
        case .hostnameMismatch(let expected, let names):
            let list = names.isEmpty ? "no names" : names.joined(separator: ", ")
            return "hostname mismatch: certificate is for \(list), not \(expected); "
                + "check the URL or the server name (SNI) you connect with"
        case .certificateExpired(let subject, let notAfter):
            return "certificate expired on \(CertificateSummary.format(notAfter)) (\(subject)); "
                + "the peer must renew it (or check this machine's clock)"
        case .certificateNotYetValid(let subject, let notBefore):
            return "certificate not valid until \(CertificateSummary.format(notBefore)) (\(subject)); "
                + "check this machine's clock"
        case .certificateInvalid(let subject, let reason):
            return "certificate rejected: \(reason) (\(subject))"
        case .noSharedCipher(let offered):
            return "server offered no GOST suite / no shared cipher: it accepted none of \(offered); "
                + "check the origin's cipher list (EPGU needs LEGACY-GOST2012-GOST8912-GOST8912)"
        case .clientOfferedNoSharedCipher(let accepted):
            return "no shared cipher: the client offered none of \(accepted)"
        case .noSharedProtocolVersion(let detail):
            return "no TLS version in common with the peer (\(detail)); GOST suites need TLS 1.2"
        case .clientCertificateRequired:
            return "the server requires a client certificate; configure a certificate and key for this origin"
        case .clientCertificateMissing:
            return "the client sent no certificate, but this listener requires mutual TLS"
        case .peerRejectedCertificate(let alert):
            return "the peer rejected our certificate (alert: \(alert)); "
                + "it probably does not trust our CA"
        case .peerClosedDuringHandshake:
            return "peer closed during handshake: the connection was dropped before TLS was set up "
                + "(wrong port, a filtering proxy, or the peer refused our offer without an alert)"
        case .notTLS(let preview):
            return "not TLS: peer sent \(preview); is this a plain HTTP port?"
        case .handshakeTimeout(let timeout):
            return "handshake timed out after \(timeout); the peer accepted TCP but did not answer TLS"
        case .peerAlert(let alert):
            return "the peer aborted the handshake with alert: \(alert)"
        case .invalidConfiguration(let why):
            return "TLS configuration unusable: \(why)"
        case .handshakeFailed(let why):
            return "TLS handshake failed: \(why)"
        case .protocolError(let why):
            return "TLS connection failed: \(why)"
        }
    }
}
