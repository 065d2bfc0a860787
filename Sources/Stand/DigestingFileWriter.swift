import COpenSSL
import Foundation
import GOST

/// Writes bytes to a new file as they arrive and digests them on the way (Streebog-256 and SHA-256),
/// so an upload is never held in memory whole.
final class DigestingFileWriter {
    private let handle: FileHandle
    private let streebog: StreebogHasher
    private let sha256: OpaquePointer
    private var leading: [UInt8] = []
    private(set) var size: Int64 = 0
    /// Where the bytes go.
    let path: String

    /// Creates (or truncates) `path` with mode 0600.
    init(path: String) throws(StandError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw .io("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        do {
            streebog = try StreebogHasher(size: .bits256)
        } catch {
            try? handle.close()
            throw .keyMaterial("\(error)")
        }
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            try? handle.close()
            throw .keyMaterial("OpenSSL cannot compute SHA-256")
        }
        sha256 = context
    }

    deinit {
        EVP_MD_CTX_free(sha256)
        try? handle.close()
    }

    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(StandError) {
        try write(Data(bytes))
    }

    /// Appends `data`.
    func write(_ data: Data) throws(StandError) {
        guard !data.isEmpty else { return }
        if leading.count < 8 { leading.append(contentsOf: data.prefix(8 - leading.count)) }
        do {
            try handle.write(contentsOf: data)
            try streebog.update(data)
        } catch {
            throw .io("cannot write \(path): \(error)")
        }
        data.withUnsafeBytes { _ = EVP_DigestUpdate(sha256, $0.baseAddress, $0.count) }
        size += Int64(data.count)
    }

    /// Closes the file and returns what was written.
    func finish(fileName: String?) throws(StandError) -> UploadedFile {
        do {
            try handle.close()
        } catch {
            throw .io("cannot finish \(path): \(error)")
        }
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(sha256, &output, &length)
        let streebogDigest: Data
        do {
            streebogDigest = try streebog.finalize()
        } catch {
            throw .keyMaterial("\(error)")
        }
        return UploadedFile(path: path, size: size, streebog256: streebogDigest.lowercaseHexString,
                            sha256: output.prefix(Int(length)).lowercaseHexString, fileName: fileName,
                            leadingBytes: leading)
    }
}
