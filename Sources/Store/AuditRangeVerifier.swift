import Foundation

/// Checks a contiguous slice of the audit chain that need not start at record 1: an export made
/// with `--since` starts at some record `firstSeq` whose `prev_hash` is the anchor.
///
/// The same rules as `AuditChainVerifier` apply inside the slice (numbers contiguous, each record
/// chains to the one before it, each hash matches the contents); the anchor itself can only be
/// checked against the live chain or an earlier export.
public struct AuditRangeVerifier {
    private var previous: Data
    private var expectedSeq: Int64
    /// Records accepted so far.
    public private(set) var count = 0
    /// The first record that did not fit, and why.
    public private(set) var firstBreak: (seq: Int64, reason: String)?

    /// Starts a slice whose first record is `firstSeq` and chains from `anchor`.
    public init(firstSeq: Int64 = 1, anchor: Data = AuditRecord.genesisHash) {
        previous = anchor
        expectedSeq = firstSeq
    }

    /// Hash of the last accepted record (the anchor before any).
    public var headHash: Data { previous }
    /// Sequence number of the last accepted record.
    public var headSeq: Int64 { expectedSeq - 1 }

    /// Checks the next record; after the first break every later record is ignored.
    /// - Returns: false once the chain is broken.
    @discardableResult
    public mutating func add(_ record: AuditRecord) throws -> Bool {
        guard firstBreak == nil else { return false }
        if record.seq != expectedSeq {
            firstBreak = (record.seq, record.seq > expectedSeq
                ? "records \(expectedSeq)…\(record.seq - 1) are missing"
                : "record \(record.seq) is out of order")
            return false
        }
        if record.prevHash != previous {
            firstBreak = (record.seq, "does not chain to the record before it")
            return false
        }
        if try record.expectedHash() != record.hash {
            firstBreak = (record.seq, "contents were changed after it was written")
            return false
        }
        previous = record.hash
        expectedSeq += 1
        count += 1
        return true
    }
}
