import COpenSSL

/// Owns an OpenSSL `X509 *`. Certificates are never mutated after parsing, so sharing is safe.
final class X509Handle: @unchecked Sendable {
    let x509: OpaquePointer

    init(taking x509: OpaquePointer) {
        self.x509 = x509
    }

    deinit {
        X509_free(x509)
    }
}
