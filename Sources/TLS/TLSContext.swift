import COpenSSL
import Foundation
import GOST

/// An OpenSSL `SSL_CTX` built once from a `TLSConfiguration` and shared by every connection that
/// uses the configuration. Creating one is the expensive part (files, CA store); connections are cheap.
public final class TLSContext: @unchecked Sendable {
    // @unchecked: SSL_CTX is safe to share between threads once configured; it is never changed
    // after init. The session cache has its own lock.

    /// The configuration this context was built from.
    public let configuration: TLSConfiguration
    /// Client sessions kept for resumption, by origin.
    let sessionCache: TLSSessionCache
    let context: OpaquePointer

    /// Builds the context. Loads the GOST engine first so GOST suites, keys and certificates work.
    /// - Throws: `TLSError.invalidConfiguration` naming the file or setting that is wrong.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        do {
            try GOSTEngine.ensureLoaded()
        } catch {
            throw .invalidConfiguration(error.description)
        }
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_method()) else {
            throw .invalidConfiguration("OpenSSL could not create a context: \(OpenSSLErrorQueue.drain())")
        }
        self.context = context
        self.configuration = configuration
        self.sessionCache = TLSSessionCache()
        // On failure `deinit` frees the context: every stored property is set by now.
        try configure()
    }

    deinit {
        SSL_CTX_free(context)
    }

    private func configure() throws(TLSError) {
        let configuration = self.configuration
        _ = gg_ssl_ctx_set_min_proto(context, Self.wireVersion(configuration.minimumVersion))
        _ = gg_ssl_ctx_set_max_proto(context, configuration.maximumVersion.map(Self.wireVersion) ?? 0)
        if let maximum = configuration.maximumVersion, maximum < configuration.minimumVersion {
            throw .invalidConfiguration("maximum version \(maximum) is below minimum \(configuration.minimumVersion)")
        }
        // Renegotiation is refused both ways: it only ever served attacks and client-cert tricks.
        _ = gg_ssl_ctx_set_options(context, gg_ssl_op_no_renegotiation() | gg_ssl_op_no_compression())

        if let list = configuration.cipherList, SSL_CTX_set_cipher_list(context, list) != 1 {
            throw .invalidConfiguration("no usable suite in cipher list \"\(list)\" "
                + "(GOST suites need the GOST engine): \(OpenSSLErrorQueue.drain())")
        }
        if let suites = configuration.tls13CipherSuites, SSL_CTX_set_ciphersuites(context, suites) != 1 {
            throw .invalidConfiguration("no usable TLS 1.3 suite in \"\(suites)\": \(OpenSSLErrorQueue.drain())")
        }

        try loadTrustRoots(configuration.trustRoots)
        try loadCertificate(chain: configuration.certificateChainFile, key: configuration.privateKeyFile)

        // The per-connection verify callback records the first failure for a precise error message;
        // the mode (enforce or only report) is set per connection.
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, tlsVerifyCallback)

        if !configuration.applicationProtocols.isEmpty {
            var wire: [UInt8] = []
            for name in configuration.applicationProtocols {
                let bytes = Array(name.utf8)
                guard !bytes.isEmpty, bytes.count < 256 else {
                    throw .invalidConfiguration("ALPN protocol name \"\(name)\" must be 1…255 bytes")
                }
                wire.append(UInt8(bytes.count))
                wire.append(contentsOf: bytes)
            }
            // Client side: what we offer (0 means success for this call).
            guard SSL_CTX_set_alpn_protos(context, wire, UInt32(wire.count)) == 0 else {
                throw .invalidConfiguration("OpenSSL refused the ALPN list")
            }
            // Server side: pick from the same list; the wire form is looked up per connection.
            SSL_CTX_set_alpn_select_cb(context, tlsALPNSelectCallback, nil)
        }

        let sessionID = Array("gosgate".utf8)
        _ = SSL_CTX_set_session_id_context(context, sessionID, UInt32(sessionID.count))
        if configuration.sessionResumption {
            // Servers use OpenSSL's cache and tickets; clients hand new sessions to our per-origin
            // cache through the callback (OpenSSL never looks client sessions up by itself).
            _ = gg_ssl_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_BOTH))
            SSL_CTX_sess_set_new_cb(context, tlsNewSessionCallback)
        } else {
            _ = gg_ssl_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
            _ = gg_ssl_ctx_set_options(context, gg_ssl_op_no_ticket())
        }
    }

    private func loadTrustRoots(_ roots: TLSConfiguration.TrustRoots) throws(TLSError) {
        switch roots {
        case .system:
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw .invalidConfiguration("cannot load the system CA store: \(OpenSSLErrorQueue.drain())")
            }
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .invalidConfiguration("CA file \(path) does not exist or is not readable")
            }
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
                throw .invalidConfiguration("CA file \(path) holds no PEM certificate: \(OpenSSLErrorQueue.drain())")
            }
        case .directory(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .invalidConfiguration("CA directory \(path) does not exist")
            }
            guard SSL_CTX_load_verify_locations(context, nil, path) == 1 else {
                throw .invalidConfiguration("CA directory \(path) cannot be used: \(OpenSSLErrorQueue.drain())")
            }
        }
    }

    private func loadCertificate(chain: String?, key: String?) throws(TLSError) {
        switch (chain, key) {
        case (nil, nil):
            return
        case (.some, nil), (nil, .some):
            throw .invalidConfiguration("a certificate needs its private key and the other way round; set both")
        case (.some(let chain), .some(let key)):
            guard SSL_CTX_use_certificate_chain_file(context, chain) == 1 else {
                throw .invalidConfiguration("cannot load certificate chain \(chain): \(OpenSSLErrorQueue.drain())")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw .invalidConfiguration("cannot load private key \(key) (PEM, unencrypted): "
                    + OpenSSLErrorQueue.drain())
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw .invalidConfiguration("private key \(key) does not belong to certificate \(chain)")
            }
        }
    }

    private static func wireVersion(_ version: TLSConfiguration.ProtocolVersion) -> Int32 {
        switch version {
        case .tls1_2: return TLS1_2_VERSION
        case .tls1_3: return TLS1_3_VERSION
        }
    }
}
