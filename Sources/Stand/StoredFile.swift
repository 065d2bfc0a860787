import Foundation
import GRDB

/// A file the stand keeps for an order: the uploaded archive (object type 2) or a result file
/// (object type 3, object id = the status history id, as EPGU's result links have it).
struct StoredFile: Sendable, Equatable {
    /// EPGU object types in `terrabyte://` links.
    enum ObjectType {
        static let attachment = 2
        static let result = 3
    }

    let id: Int64
    let orderID: Int64
    let objectID: Int64
    let objectType: Int
    let fileName: String
    let mimeType: String
    /// Absolute path on the stand's disk.
    let path: String
    let size: Int64
    /// Streebog-256 of the bytes, lowercase hex as `openssl dgst -md_gost12_256` prints it.
    let streebog256: String
    /// SHA-256 of the bytes, lowercase hex as `sha256sum` prints it.
    let sha256: String

    init(row: Row) {
        id = row["id"]
        orderID = row["order_id"]
        objectID = row["object_id"]
        objectType = row["object_type"]
        fileName = row["file_name"]
        mimeType = row["mime_type"]
        path = row["path"]
        size = row["size"]
        streebog256 = row["streebog256"]
        sha256 = row["sha256"]
    }

    /// The link EPGU puts into order details: `terrabyte://00/{objectId}/{mnemonic}/{objectType}`.
    func link(mnemonic: String) -> String {
        "terrabyte://00/\(objectID)/\(mnemonic)/\(objectType)"
    }
}
