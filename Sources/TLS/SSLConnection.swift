import COpenSSL
import Foundation
import NIOCore

/// One OpenSSL `SSL` object wired to two memory BIOs: ciphertext from the network is written into
/// `networkIn`, ciphertext for the network is taken from `networkOut`. No sockets are involved, so
/// the event loop drives all I/O.
final class SSLConnection {
    /// Result of one OpenSSL operation.
    enum Outcome {
        /// The operation finished.
        case complete
        /// OpenSSL needs more bytes from the peer.
        case wantRead
        /// The peer sent close_notify.
        case closedByPeer
        /// A TLS failure; the drained error queue is attached.
        case failed(code: Int32, errors: [OpenSSLErrorQueue.Entry])
    }

    /// Largest plaintext a TLS record carries; reads and writes are sized in multiples of it.
    static let recordSize = 16_384

    let ssl: OpaquePointer
    let state: TLSConnectionState
    private let networkIn: OpaquePointer
    private let networkOut: OpaquePointer

    init(context: TLSContext, state: TLSConnectionState, serverHostname: String?) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.context) else {
            throw .invalidConfiguration("OpenSSL could not create a connection: \(OpenSSLErrorQueue.drain())")
        }
        guard let networkIn = BIO_new(BIO_s_mem()), let networkOut = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .invalidConfiguration("OpenSSL could not allocate buffers")
        }
        // An empty input BIO means "come back later", not end of file.
        _ = gg_bio_set_mem_eof_return(networkIn, -1)
        _ = gg_bio_set_mem_eof_return(networkOut, -1)
        SSL_set_bio(ssl, networkIn, networkOut)
        self.ssl = ssl
        self.networkIn = networkIn
        self.networkOut = networkOut
        self.state = state
        SSL_set_ex_data(ssl, TLSConnectionState.exDataIndex, Unmanaged.passUnretained(state).toOpaque())

        let verification = context.configuration.certificateVerification
        if state.isClient {
            SSL_set_connect_state(ssl)
            SSL_set_verify(ssl, SSL_VERIFY_PEER, tlsVerifyCallback)
            if let host = serverHostname {
                try Self.setPeerName(host, on: ssl, checkName: verification != .noHostnameVerification)
            }
            if let key = state.sessionKey { state.sessionCache.offer(for: key, on: ssl) }
        } else {
            SSL_set_accept_state(ssl)
            let mode = verification == .none ? SSL_VERIFY_NONE : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            SSL_set_verify(ssl, mode, tlsVerifyCallback)
        }
    }

    deinit {
        SSL_free(ssl)  // also frees both BIOs
    }

    /// SNI (names only, never IP literals) and the name the certificate must carry.
    private static func setPeerName(_ host: String, on ssl: OpaquePointer, checkName: Bool) throws(TLSError) {
        let isAddress = IPAddressLiteral.isLiteral(host)
        if !isAddress, gg_ssl_set_tlsext_host_name(ssl, host) != 1 {
            throw .invalidConfiguration("server name \"\(host)\" cannot be sent as SNI")
        }
        guard checkName else { return }
        let param = SSL_get0_param(ssl)
        let accepted = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(param, host) : SSL_set1_host(ssl, host)
        if accepted != 1 {
            throw .invalidConfiguration("\"\(host)\" is not a valid host name or IP address")
        }
    }

    /// Hands ciphertext from the network to OpenSSL.
    func feed(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            // A memory BIO grows as needed, so the whole buffer is always taken.
            _ = BIO_write(networkIn, base, Int32(bytes.count))
        }
    }

    /// Ciphertext OpenSSL produced for the network, if any.
    func takeOutput(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = gg_bio_pending(networkOut)
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { target in
            Int(max(0, BIO_read(networkOut, target.baseAddress, Int32(pending))))
        }
        return buffer
    }

    /// Advances the handshake with whatever input has arrived.
    func handshake() -> Outcome {
        ERR_clear_error()
        return outcome(of: SSL_do_handshake(ssl))
    }

    /// Decrypts everything available into `buffer`, growing it by up to `limit` bytes.
    func read(into buffer: inout ByteBuffer, limit: Int) -> Outcome {
        ERR_clear_error()
        while buffer.readableBytes < limit {
            var result: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.recordSize) { target in
                result = SSL_read(ssl, target.baseAddress, Int32(min(target.count, Int(Int32.max))))
                return Int(max(0, result))
            }
            if result <= 0 { return outcome(of: result) }
        }
        return .complete
    }

    /// Encrypts all of `bytes` (the output BIO never fills, so OpenSSL takes everything).
    func write(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        ERR_clear_error()
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .complete }
        let result = SSL_write(ssl, base, Int32(bytes.count))
        return result > 0 ? .complete : outcome(of: result)
    }

    /// Queues our close_notify.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// Whether the handshake has finished.
    var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

    /// What OpenSSL's own verification concluded (`X509_V_OK` or an `X509_V_ERR_*` code).
    var verifyResult: Int { SSL_get_verify_result(ssl) }

    private func outcome(of result: Int32) -> Outcome {
        if result > 0 { return .complete }
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wantRead
        case SSL_ERROR_ZERO_RETURN:
            return .closedByPeer
        default:
            return .failed(code: code, errors: OpenSSLErrorQueue.take())
        }
    }
}

/// Recognises IPv4 and IPv6 literals, which need IP SAN checks and must not be sent as SNI.
enum IPAddressLiteral {
    static func isLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
