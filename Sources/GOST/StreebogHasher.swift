import COpenSSL
import Foundation

/// Incremental Streebog: feed data piece by piece with `update`, then `finalize`.
///
/// Not thread-safe: use one hasher per task. After `finalize` the hasher starts over, empty.
public final class StreebogHasher {
    /// Output size this hasher produces.
    public let size: Streebog.Size
    private let context: OpaquePointer
    private let md: OpaquePointer

    /// A fresh hasher for Streebog-256 or -512.
    public init(size: Streebog.Size) throws(GOSTError) {
        self.size = size
        md = try Streebog.messageDigest(size)
        guard let context = EVP_MD_CTX_new() else {
            throw .engineUnavailable("out of memory creating a digest context")
        }
        self.context = context
        try start()
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `data` to the digest.
    public func update(_ data: Data) throws(GOSTError) {
        let ok = data.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        guard ok == 1 else { throw .engineUnavailable("Streebog update failed: \(OpenSSLError.drain())") }
    }

    /// Adds the bytes of `bytes` to the digest.
    public func update(_ bytes: some Collection<UInt8>) throws(GOSTError) {
        try update(Data(bytes))
    }

    /// Returns the digest of everything added so far and resets the hasher.
    public func finalize() throws(GOSTError) -> Data {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &output, &length) == 1 else {
            throw .engineUnavailable("Streebog finalisation failed: \(OpenSSLError.drain())")
        }
        try start()
        return Data(output.prefix(Int(length)))
    }

    private func start() throws(GOSTError) {
        guard EVP_DigestInit_ex(context, md, nil) == 1 else {
            throw .engineUnavailable("Streebog initialisation failed: \(OpenSSLError.drain())")
        }
    }
}
