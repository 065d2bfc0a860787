import Foundation
import COpenSSL

/// Turns OpenSSL's view of a failed handshake into the `TLSError` a person can act on.
struct TLSHandshakeFailure {
    let code: Int32
    let errors: [OpenSSLErrorQueue.Entry]
    let connection: SSLConnection
    let configuration: TLSConfiguration
    /// The name we expected the server's certificate to carry (client side).
    let expectedName: String?
    let firstBytes: [UInt8]

    var error: TLSError {
        if let preview = nonTLSPreview { return .notTLS(preview: preview) }
        if let failure = connection.state.verificationFailure, configuration.certificateVerification != .none {
            return verificationError(failure)
        }
        let reasons = Set(errors.map(\.reason))
        let isClient = connection.state.isClient
        let offered = configuration.cipherList ?? "OpenSSL's default suites"
        if reasons.contains(SSL_R_NO_SHARED_CIPHER) {
            return .clientOfferedNoSharedCipher(accepted: offered)
        }
        if reasons.contains(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
            return .clientCertificateMissing
        }
        if reasons.contains(alert(SSL_AD_CERTIFICATE_REQUIRED)) {
            return .clientCertificateRequired
        }
        if reasons.contains(alert(SSL_AD_HANDSHAKE_FAILURE)), isClient {
            // Before the server's certificate arrived, handshake_failure means it picked no suite;
            // after it, it refused our (missing) client certificate.
            guard connection.state.sawPeerCertificate else { return .noSharedCipher(offered: offered) }
            return configuration.certificateChainFile == nil
                ? .clientCertificateRequired : .peerRejectedCertificate(alert: "handshake failure")
        }
        for rejected in [SSL_AD_UNKNOWN_CA, SSL_AD_BAD_CERTIFICATE, SSL_AD_CERTIFICATE_EXPIRED,
                         SSL_AD_CERTIFICATE_UNKNOWN, SSL_AD_UNSUPPORTED_CERTIFICATE, SSL_AD_CERTIFICATE_REVOKED]
            where reasons.contains(alert(rejected)) {
            return .peerRejectedCertificate(alert: alertName(rejected))
        }
        if reasons.contains(alert(SSL_AD_PROTOCOL_VERSION)) || reasons.contains(SSL_R_UNSUPPORTED_PROTOCOL)
            || reasons.contains(SSL_R_NO_PROTOCOLS_AVAILABLE) {
            let range = "\(configuration.minimumVersion)…\(configuration.maximumVersion?.description ?? "TLSv1.3")"
            return .noSharedProtocolVersion(detail: "we allow \(range)")
        }
        if reasons.contains(SSL_R_WRONG_VERSION_NUMBER) || reasons.contains(SSL_R_UNKNOWN_PROTOCOL)
            || reasons.contains(SSL_R_HTTP_REQUEST) || reasons.contains(SSL_R_HTTPS_PROXY_REQUEST) {
            return .notTLS(preview: Self.preview(firstBytes))
        }
        if let alertReason = reasons.first(where: { $0 > SSL_AD_REASON_OFFSET && $0 < SSL_AD_REASON_OFFSET + 256 }) {
            return .peerAlert(alertName(alertReason - SSL_AD_REASON_OFFSET))
        }
        if let failure = connection.state.verificationFailure {
            return verificationError(failure)
        }
        let text = errors.map(\.text).joined(separator: "; ")
        return .handshakeFailed(text.isEmpty ? "OpenSSL error \(code)" : text)
    }

    private func verificationError(_ failure: TLSConnectionState.VerificationFailure) -> TLSError {
        let subject = failure.certificate?.subject ?? "unknown certificate"
        switch failure.code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            if let notAfter = failure.certificate?.notAfter {
                return .certificateExpired(subject: subject, notAfter: notAfter)
            }
        case X509_V_ERR_CERT_NOT_YET_VALID:
            if let notBefore = failure.certificate?.notBefore {
                return .certificateNotYetValid(subject: subject, notBefore: notBefore)
            }
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return .hostnameMismatch(expected: expectedName ?? "?", certificateNames: failure.certificate?.names ?? [])
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_CERT_UNTRUSTED, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return .untrustedCertificate(subject: subject, issuer: failure.certificate?.issuer ?? "unknown",
                                         trustRoots: configuration.trustRoots.description)
        default:
            break
        }
        return .certificateInvalid(subject: subject, reason: TLSSessionSummary.explain(failure))
    }

    /// The text OpenSSL uses for an alert number (`unknown CA`, `handshake failure`…).
    private func alertName(_ alert: Int32) -> String {
        String(cString: SSL_alert_desc_string_long(alert))
    }

    private func alert(_ number: Int32) -> Int32 { SSL_AD_REASON_OFFSET + number }

    /// Set when the peer's first bytes cannot start a TLS record (content type 20…23, version 3.x).
    private var nonTLSPreview: String? {
        guard firstBytes.count >= 2 else { return nil }
        let isRecord = (20...23).contains(firstBytes[0]) && firstBytes[1] == 3
        return isRecord ? nil : Self.preview(firstBytes)
    }

    /// Printable ASCII as a quoted string, anything else as hex.
    static func preview(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "nothing" }
        let printable = bytes.allSatisfy { (32...126).contains($0) || $0 == 10 || $0 == 13 || $0 == 9 }
        if printable {
            let text = String(decoding: bytes, as: UTF8.self)
                .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
            return "\"\(text)\""
        }
        return bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
    }
}
