import COpenSSL

/// Per-connection facts that OpenSSL's C callbacks need; attached to the `SSL` as ex data.
final class TLSConnectionState {
    /// What went wrong first during certificate verification.
    struct VerificationFailure {
        /// `X509_V_ERR_*` code.
        let code: Int32
        /// Position in the chain (0 is the peer's own certificate).
        let depth: Int32
        /// The certificate being checked when it failed.
        let certificate: CertificateSummary?
    }

    /// The ex-data slot shared by all connections of the process.
    static let exDataIndex: Int32 = gg_ssl_get_ex_new_index()

    let isClient: Bool
    /// Whether verification failures abort the handshake (otherwise they are only reported).
    let enforceVerification: Bool
    /// Origin key for the client session cache; `nil` disables caching for this connection.
    let sessionKey: String?
    let sessionCache: TLSSessionCache
    /// ALPN list in wire form, for the server's selection callback. Allocated by hand because
    /// OpenSSL keeps a pointer into it for the lifetime of the connection.
    let applicationProtocolsWire: UnsafeMutableBufferPointer<UInt8>

    /// Set by the verify callback.
    var verificationFailure: VerificationFailure?
    /// Set when the peer's certificate reached verification (the server chose a suite and sent it).
    var sawPeerCertificate = false

    init(isClient: Bool, enforceVerification: Bool, sessionKey: String?, sessionCache: TLSSessionCache,
         applicationProtocols: [String]) {
        self.isClient = isClient
        self.enforceVerification = enforceVerification
        self.sessionKey = sessionKey
        self.sessionCache = sessionCache
        var wire: [UInt8] = []
        for name in applicationProtocols {
            wire.append(UInt8(name.utf8.count))
            wire.append(contentsOf: name.utf8)
        }
        applicationProtocolsWire = .allocate(capacity: wire.count)
        _ = applicationProtocolsWire.initialize(from: wire)
    }

    deinit {
        applicationProtocolsWire.deallocate()
    }

    /// The state attached to `ssl`, if any.
    static func of(_ ssl: OpaquePointer?) -> TLSConnectionState? {
        guard let ssl, let raw = SSL_get_ex_data(ssl, exDataIndex) else { return nil }
        return Unmanaged<TLSConnectionState>.fromOpaque(raw).takeUnretainedValue()
    }
}

/// Records the first verification failure; aborts the handshake only when enforcement is on.
func tlsVerifyCallback(_ preverified: Int32, _ store: OpaquePointer?) -> Int32 {
    guard let store,
          let sslRaw = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
          let state = TLSConnectionState.of(OpaquePointer(sslRaw))
    else { return preverified }
    state.sawPeerCertificate = true
    if preverified == 0, state.verificationFailure == nil {
        let certificate = X509_STORE_CTX_get_current_cert(store).map { CertificateSummary(certificate: $0) }
        state.verificationFailure = .init(code: X509_STORE_CTX_get_error(store),
                                          depth: X509_STORE_CTX_get_error_depth(store),
                                          certificate: certificate)
    }
    return state.enforceVerification ? preverified : 1
}

/// Server side ALPN: the first of our protocols that the client also offers.
func tlsALPNSelectCallback(
    _ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?, _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32,
    _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let state = TLSConnectionState.of(ssl), !state.applicationProtocolsWire.isEmpty else {
        return SSL_TLSEXT_ERR_NOACK
    }
    var selected: UnsafeMutablePointer<UInt8>?
    let ours = state.applicationProtocolsWire
    // Our preference order wins; the result points into `ours`, which outlives the connection.
    let result = SSL_select_next_proto(&selected, outLength, ours.baseAddress, UInt32(ours.count),
                                       offered, offeredLength)
    guard result == OPENSSL_NPN_NEGOTIATED, let selected else { return SSL_TLSEXT_ERR_ALERT_FATAL }
    out?.pointee = UnsafePointer(selected)
    return SSL_TLSEXT_ERR_OK
}

/// Client side: keeps each new session in the per-origin cache (returning 1 takes the reference).
func tlsNewSessionCallback(_ ssl: OpaquePointer?, _ session: OpaquePointer?) -> Int32 {
    guard let session, let state = TLSConnectionState.of(ssl), state.isClient, let key = state.sessionKey else {
        return 0
    }
    state.sessionCache.store(session, for: key)
    return 1
}
