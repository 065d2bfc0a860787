import COpenSSL
import Foundation

/// GOST R 34.11-2012 (Streebog) digests, computed by the GOST engine's `md_gost12_256`/`md_gost12_512`.
///
/// Output bytes are exactly what `openssl dgst -md_gost12_256 -binary` prints (call it `H`). RFC 6986
/// and the standard print the same value byte-reversed; `GOSTByteOrder.rfcPrintout(_:)` converts.
public enum Streebog {
    /// The two Streebog output sizes.
    public enum Size: Sendable, Hashable, CustomStringConvertible {
        /// Streebog-256, OID 1.2.643.7.1.1.2.2, 32-byte output.
        case bits256
        /// Streebog-512, OID 1.2.643.7.1.1.2.3, 64-byte output.
        case bits512

        /// Length of the digest in bytes.
        public var byteCount: Int { self == .bits256 ? 32 : 64 }

        /// The digest algorithm OID (id-tc26-gost3411-12-256 / -512) in dotted form.
        public var oid: String { self == .bits256 ? GOSTOID.streebog256 : GOSTOID.streebog512 }

        /// OpenSSL's name for the digest.
        var openSSLName: String { self == .bits256 ? "md_gost12_256" : "md_gost12_512" }

        public var description: String { self == .bits256 ? "Streebog-256" : "Streebog-512" }
    }

    /// Streebog-256 of `data`.
    public static func hash256(_ data: Data) throws(GOSTError) -> Data {
        try hash(data, size: .bits256)
    }

    /// Streebog-512 of `data`.
    public static func hash512(_ data: Data) throws(GOSTError) -> Data {
        try hash(data, size: .bits512)
    }

    /// Streebog of `data` with the given output size.
    public static func hash(_ data: Data, size: Size) throws(GOSTError) -> Data {
        let md = try messageDigest(size)
        var output = [UInt8](repeating: 0, count: size.byteCount)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &output, &length, md, nil) }
        guard ok == 1, Int(length) == size.byteCount else {
            throw .engineUnavailable("\(size) failed: \(OpenSSLError.drain())")
        }
        return Data(output)
    }

    /// Streebog of the file at `path`, read in chunks so the file is never held in memory whole.
    public static func hash(fileAt path: String, size: Size, chunkSize: Int = 1 << 20) throws(GOSTError) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .io("cannot open \(path) for reading: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        return try hash(reading: handle, size: size, chunkSize: chunkSize, name: path)
    }

    /// Streebog of everything readable from `handle` (a file, a pipe, standard input), chunk by chunk.
    public static func hash(reading handle: FileHandle, size: Size, chunkSize: Int = 1 << 20,
                            name: String = "input") throws(GOSTError) -> Data {
        let hasher = try StreebogHasher(size: size)
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: chunkSize)
            } catch {
                throw .io("cannot read \(name): \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            try hasher.update(chunk)
        }
        return try hasher.finalize()
    }

    /// The engine's `EVP_MD` for `size`.
    static func messageDigest(_ size: Size) throws(GOSTError) -> OpaquePointer {
        try GOSTEngine.ensureLoaded()
        guard let md = EVP_get_digestbyname(size.openSSLName) else {
            throw .engineUnavailable("OpenSSL does not know \(size.openSSLName): \(OpenSSLError.drain())")
        }
        return md
    }
}
