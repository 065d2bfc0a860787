/// A file received from a client and written to the stand's disk, with its digests.
struct UploadedFile: Sendable, Equatable {
    /// Absolute path of the stored bytes.
    let path: String
    let size: Int64
    /// Streebog-256, lowercase hex as `openssl dgst -md_gost12_256` prints it.
    let streebog256: String
    /// SHA-256, lowercase hex as `sha256sum` prints it.
    let sha256: String
    /// The `filename` of the multipart part, if it had one.
    let fileName: String?
    /// The first bytes, enough to recognise a zip archive.
    let leadingBytes: [UInt8]

    /// Whether the bytes start with a zip local file header (or are an empty zip archive).
    var looksLikeZip: Bool {
        leadingBytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || leadingBytes.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }
}
