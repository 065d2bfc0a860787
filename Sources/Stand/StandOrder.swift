import Foundation
import GRDB

/// One order as the stand keeps it.
struct StandOrder: Sendable, Equatable {
    /// The EPGU order number.
    let id: Int64
    /// Mnemonic of the system that created it.
    let clientID: String
    /// OID of the user who created it.
    let userOID: Int64
    let serviceCode: String
    let targetCode: String
    let region: String
    /// The last `meta` JSON received for it, verbatim.
    let meta: String?
    let createdAt: Date
    /// When the last file byte arrived.
    let submittedAt: Date?
    /// Whether the archive starts like a zip file.
    let archiveIsZip: Bool?
    let phase: OrderPhase
    /// The current gu-smev code (kept through cancellation).
    let code: String
    /// The SMEV message id reported with the details.
    let messageID: String

    init(row: Row) {
        id = row["id"]
        clientID = row["client_id"]
        userOID = row["user_oid"]
        serviceCode = row["service_code"]
        targetCode = row["target_code"]
        region = row["region"]
        meta = row["meta"]
        createdAt = Date(timeIntervalSince1970: row["created_at"])
        submittedAt = (row["submitted_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        archiveIsZip = row["archive_is_zip"]
        phase = OrderPhase(rawValue: row["phase"]) ?? .reserved
        code = row["code"]
        messageID = row["message_id"]
    }
}
