import Store

/// `GET /v1/audit/verify` and `gosgatectl audit verify --file` (schema `audit-verify.json`).
public struct AuditVerifyReport: Codable, Sendable, Equatable {
    /// `live` (the daemon's database), `database` (a copy) or `export` (JSON Lines).
    public let source: String
    public let intact: Bool
    public let firstSeq: Int64
    /// Records that verified.
    public let count: Int
    public let headSeq: Int64
    public let headHash: String
    /// The first record that does not fit, when known, and why.
    public let brokenAt: Int64?
    public let reason: String?

    init(source: String, intact: Bool, firstSeq: Int64, count: Int, headSeq: Int64, headHash: String,
         brokenAt: Int64?, reason: String?) {
        self.source = source
        self.intact = intact
        self.firstSeq = firstSeq
        self.count = count
        self.headSeq = headSeq
        self.headHash = headHash
        self.brokenAt = brokenAt
        self.reason = reason
    }

    /// The outcome of an offline check of a database copy or an export.
    public init(_ file: AuditFileVerification) {
        self.init(source: file.source.rawValue, intact: file.isIntact, firstSeq: file.firstSeq, count: file.count,
                  headSeq: file.headSeq, headHash: AuditExport.hex(file.headHash), brokenAt: file.problem?.seq,
                  reason: file.problem?.reason)
    }

    /// This report, marked broken when an intact chain does not end with `expectedHead` (records
    /// cut off the end leave a valid but shorter chain).
    public func expecting(head expectedHead: String) -> AuditVerifyReport {
        let expected = expectedHead.lowercased()
        guard intact, expected != headHash else { return self }
        return AuditVerifyReport(
            source: source, intact: false, firstSeq: firstSeq, count: count, headSeq: headSeq, headHash: headHash,
            brokenAt: nil,
            reason: "the chain ends at record \(headSeq) with hash \(headHash), not with the expected head \(expected): records are missing from its end, or it is another chain")
    }
}
