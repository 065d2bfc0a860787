import Foundation
import GRDB

extension GatewayStore {
    /// The newest record's sequence number and hash: `(0, genesis)` for an empty log. Cheap: one row.
    public func auditHead() throws(StoreError) -> (seq: Int64, hash: Data) {
        try read { db in
            guard let last = try AuditRecord.order(Column("seq").desc).fetchOne(db) else {
                return (0, AuditRecord.genesisHash)
            }
            return (last.seq, last.hash)
        }
    }

    /// Sequence number of the first record written at or after `date`, nil when there is none.
    public func firstAuditSeq(atOrAfter date: Date) throws(StoreError) -> Int64? {
        try read { db in
            try AuditRecord.filter(Column("at") >= date).order(Column("seq")).fetchOne(db)?.seq
        }
    }

    /// The record numbered `seq`, if it exists.
    public func auditRecord(seq: Int64) throws(StoreError) -> AuditRecord? {
        try read { db in try AuditRecord.filter(Column("seq") == seq).fetchOne(db) }
    }
}
