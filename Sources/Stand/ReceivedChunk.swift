import Foundation
import GRDB

/// One chunk of a chunked upload, kept on disk until the last chunk arrives.
struct ReceivedChunk: Sendable, Equatable {
    let orderID: Int64
    /// 0…chunks−1.
    let chunk: Int
    /// The total announced with it.
    let chunks: Int
    let path: String
    let size: Int64
    let streebog256: String
    let sha256: String
    let fileName: String?
    let receivedAt: Date

    init(row: Row) {
        orderID = row["order_id"]
        chunk = row["chunk"]
        chunks = row["chunks"]
        path = row["path"]
        size = row["size"]
        streebog256 = row["streebog256"]
        sha256 = row["sha256"]
        fileName = row["file_name"]
        receivedAt = Date(timeIntervalSince1970: row["received_at"])
    }
}
