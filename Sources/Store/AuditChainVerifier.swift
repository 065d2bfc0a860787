import Foundation
import GRDB

/// Checks a sequence of audit records against the hash chain, wherever the records come from
/// (the live database, or an exported file an auditor checks offline).
public enum AuditChainVerifier {
    /// Verifies records given oldest first.
    public static func verify<C: Cursor>(_ records: C) throws -> AuditVerification where C.Element == AuditRecord {
        var previous = AuditRecord.genesisHash
        var expectedSeq: Int64 = 1
        var count = 0
        while let record = try records.next() {
            if record.seq != expectedSeq {
                let reason = record.seq > expectedSeq
                    ? "records \(expectedSeq)…\(record.seq - 1) are missing"
                    : "record \(record.seq) is out of order"
                return AuditVerification(count: count, headHash: previous, firstBreak: (record.seq, reason))
            }
            if record.prevHash != previous {
                return AuditVerification(count: count, headHash: previous,
                                         firstBreak: (record.seq, "does not chain to the record before it"))
            }
            if try record.expectedHash() != record.hash {
                return AuditVerification(count: count, headHash: previous,
                                         firstBreak: (record.seq, "contents were changed after it was written"))
            }
            previous = record.hash
            expectedSeq += 1
            count += 1
        }
        return AuditVerification(count: count, headHash: previous, firstBreak: nil)
    }
}
