import Foundation
import GOST
import GRDB

/// One entry of the tamper-evident audit log.
///
/// Each record's `hash` is Streebog-256 over the previous record's hash followed by this record's
/// fields, so editing, deleting or reordering any row breaks every hash after it.
public struct AuditRecord: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit"

    /// The hash the first record chains from: 32 zero bytes.
    public static let genesisHash = Data(repeating: 0, count: 32)

    /// What kind of event this is.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case proxy, admin, token, system
    }

    public var seq: Int64
    public var at: Date
    public var kind: Kind
    /// Who did it: a client name, `uid=0 gid=0 pid=42`, `token-manager`...
    public var actor: String
    /// What it was about: an identity, a route, a client.
    public var subject: String
    /// JSON object with the details; never a secret.
    public var detail: String
    public var prevHash: Data
    public var hash: Data

    enum CodingKeys: String, CodingKey {
        case seq, at, kind, actor, subject, detail
        case prevHash = "prev_hash"
        case hash
    }

    /// The hash this record must carry, given its fields and `prevHash`.
    ///
    /// Fields are length-prefixed so that no two different records serialise to the same bytes.
    func expectedHash() throws -> Data {
        var input = Data()
        input.append(prevHash)
        let milliseconds = Int64((at.timeIntervalSince1970 * 1000).rounded())
        for field in ["\(seq)", "\(milliseconds)", kind.rawValue, actor, subject, detail] {
            let bytes = Data(field.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { input.append(contentsOf: $0) }
            input.append(bytes)
        }
        return try Streebog.hash256(input)
    }
}

/// The outcome of checking the whole audit chain.
public struct AuditVerification: Sendable, Equatable {
    /// Records checked.
    public let count: Int
    /// Hash of the last record (the genesis hash for an empty log).
    public let headHash: Data
    /// The first broken record, if any: its sequence number and what is wrong with it.
    public let firstBreak: (seq: Int64, reason: String)?

    public var isIntact: Bool { firstBreak == nil }

    public static func == (lhs: AuditVerification, rhs: AuditVerification) -> Bool {
        lhs.count == rhs.count && lhs.headHash == rhs.headHash && lhs.firstBreak?.seq == rhs.firstBreak?.seq
            && lhs.firstBreak?.reason == rhs.firstBreak?.reason
    }
}
