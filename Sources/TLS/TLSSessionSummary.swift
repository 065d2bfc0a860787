import COpenSSL

/// Reads what the finished handshake negotiated out of an `SSL` object.
struct TLSSessionSummary {
    let event: TLSHandshakeCompleted

    init(connection: SSLConnection, role: TLSHandler.Role, duration: Duration) {
        let ssl = connection.ssl
        let cipher = SSL_get_current_cipher(ssl)
        let cipherName = cipher.flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? "unknown"
        let cipherID = cipher.map { UInt16(truncatingIfNeeded: SSL_CIPHER_get_id($0)) } ?? 0
        let version = String(cString: SSL_get_version(ssl))

        let chain = Self.chain(of: ssl)
        let verdict: TLSHandshakeCompleted.Verdict
        if chain.isEmpty {
            verdict = .noPeerCertificate
        } else if let failure = connection.state.verificationFailure {
            verdict = .failed(Self.explain(failure))
        } else if connection.verifyResult != Int(X509_V_OK) {
            verdict = .failed(String(cString: X509_verify_cert_error_string(connection.verifyResult)))
        } else {
            verdict = .verified
        }

        var protocolName: UnsafePointer<UInt8>?
        var protocolLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &protocolName, &protocolLength)
        let alpn = protocolName.map {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(protocolLength)), as: UTF8.self)
        }
        let serverName: String?
        switch role {
        case .client(let host, _): serverName = host
        case .server: serverName = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
        }

        event = TLSHandshakeCompleted(
            protocolVersion: version, cipherSuite: cipherName, cipherSuiteID: cipherID, peerChain: chain,
            verdict: verdict, resumed: SSL_session_reused(ssl) == 1,
            applicationProtocol: alpn.flatMap { $0.isEmpty ? nil : $0 }, serverName: serverName,
            duration: duration)
    }

    /// The verified chain when there is one (it includes the trusted root), else the chain as sent.
    private static func chain(of ssl: OpaquePointer) -> [CertificateSummary] {
        if let verified = SSL_get0_verified_chain(ssl), gg_sk_x509_num(verified) > 0 {
            return (0..<gg_sk_x509_num(verified)).compactMap { gg_sk_x509_value(verified, $0) }
                .map { CertificateSummary(certificate: $0) }
        }
        var result: [CertificateSummary] = []
        let leaf = SSL_get0_peer_certificate(ssl)
        if let leaf { result.append(CertificateSummary(certificate: leaf)) }
        if let sent = SSL_get_peer_cert_chain(ssl) {
            for index in 0..<gg_sk_x509_num(sent) {
                guard let certificate = gg_sk_x509_value(sent, index) else { continue }
                // Clients see the leaf again at the head of the sent chain.
                if let leaf, X509_cmp(leaf, certificate) == 0 { continue }
                result.append(CertificateSummary(certificate: certificate))
            }
        }
        return result
    }

    static func explain(_ failure: TLSConnectionState.VerificationFailure) -> String {
        let reason = String(cString: X509_verify_cert_error_string(Int(failure.code)))
        guard let certificate = failure.certificate else { return reason }
        return "\(reason) (at depth \(failure.depth): \(certificate.subject))"
    }
}
