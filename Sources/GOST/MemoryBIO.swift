import COpenSSL
import Foundation

/// OpenSSL memory BIOs, for handing byte buffers to OpenSSL's PEM/DER readers and collecting output.
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `data`.
    static func reading<R>(_ data: Data, _ body: (OpaquePointer) throws(GOSTError) -> R) throws(GOSTError) -> R {
        // BIO_new_mem_buf does not copy, so the bytes must outlive the BIO: keep both inside this scope.
        let bytes = [UInt8](data)
        let bio: OpaquePointer? = bytes.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw .engineUnavailable("out of memory creating a BIO") }
        defer { BIO_free(bio) }
        return try withExtendedLifetime(bytes) { () throws(GOSTError) -> R in try body(bio) }
    }

    /// Runs `write` with an empty writable BIO and returns what it wrote; `write` returns OpenSSL's status.
    static func collecting(_ what: String, _ write: (OpaquePointer) -> Int32) throws(GOSTError) -> Data {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .engineUnavailable("out of memory creating a BIO") }
        defer { BIO_free(bio) }
        guard write(bio) > 0 else { throw .malformedInput("cannot encode \(what): \(OpenSSLError.drain())") }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = gg_bio_get_mem_data(bio, &pointer)
        guard let pointer, length > 0 else { return Data() }
        return Data(bytes: pointer, count: length)
    }

    /// DER encoding via an `i2d_…` function (called twice: once for the length, once to write).
    static func derEncode(_ what: String, _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) throws(GOSTError) -> Data {
        let length = encode(nil)
        guard length > 0 else { throw .malformedInput("cannot DER-encode \(what): \(OpenSSLError.drain())") }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return encode(&cursor)
        }
        guard written == length else { throw .malformedInput("cannot DER-encode \(what): \(OpenSSLError.drain())") }
        return Data(bytes)
    }
}
