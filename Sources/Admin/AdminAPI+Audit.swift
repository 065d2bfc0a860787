import Foundation
import Store

extension AdminAPI {
    /// Longest a follow call (`after=` with `wait=`) is held open.
    static let longestAuditWait = 60

    /// The newest records (`limit`, default 20), or records after `after`, waiting up to `wait`
    /// seconds for the first one (long poll: `audit tail -f` calls this in a loop).
    func auditTail(_ call: AdminRoute.Call) async throws -> AdminRoute.Outcome {
        let query = call.request.query
        let limit = try Self.integer(query, "limit", default: query["after"] == nil ? 20 : 1000, in: 1...1000)
        var records: [AuditRecord]
        if query["after"] != nil {
            let after = Int64(try Self.integer(query, "after", default: 0, in: 0...Int.max))
            let wait = try Self.integer(query, "wait", default: 0, in: 0...Self.longestAuditWait)
            let deadline = ContinuousClock.now + .seconds(wait)
            records = try service.store.audit(after: after, limit: limit)
            while records.isEmpty, ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                records = try service.store.audit(after: after, limit: limit)
            }
        } else {
            records = try service.store.auditTail(limit: limit)
        }
        let head = try service.store.auditHead()
        return .init(response: .json(AuditTailReport(records: records.map(Self.entry), headSeq: head.seq,
                                                     headHash: AuditExport.hex(head.hash))))
    }

    /// Walks the whole live chain.
    func auditVerify() throws -> AdminRoute.Outcome {
        let result = try service.store.verifyAudit()
        return .init(response: .json(AuditVerifyReport(
            source: "live", intact: result.isIntact, firstSeq: 1, count: result.count,
            headSeq: Int64(result.count), headHash: AuditExport.hex(result.headHash),
            brokenAt: result.firstBreak?.seq, reason: result.firstBreak?.reason)))
    }

    /// Streams the chain (from `since`, ISO 8601) as JSON Lines, up to the head at the moment of
    /// the call, with the header and trailer an auditor checks offline.
    func auditExport(_ call: AdminRoute.Call) throws -> AdminRoute.Outcome {
        var since: Date?
        if let text = call.request.query["since"] {
            guard let date = Self.parseDate(text) else {
                throw AdminAPIError.badRequest("since=\(text) is not an ISO 8601 date or date-time (2025-01-31 or 2025-01-31T09:00:00Z)")
            }
            since = date
        }
        let cursor = try AuditExportCursor(store: service.store, since: since)
        let stream = AsyncThrowingStream<Data, any Error>(unfolding: { try await cursor.next() })
        return .init(response: AdminResponse(status: .ok, contentType: "application/x-ndjson", body: .stream(stream)))
    }

    static func entry(_ record: AuditRecord) -> AuditEntryReport {
        let detail = (try? JSONDecoder().decode([String: String].self, from: Data(record.detail.utf8)))
            ?? ["raw": record.detail]
        return AuditEntryReport(seq: record.seq, at: record.at, kind: record.kind.rawValue, actor: record.actor,
                                subject: record.subject, detail: detail, hash: AuditExport.hex(record.hash))
    }

    /// `2025-01-31`, `2025-01-31T09:00:00Z`, with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }

    private static func integer(_ query: [String: String], _ name: String, default value: Int,
                                in range: ClosedRange<Int>) throws(AdminAPIError) -> Int {
        guard let text = query[name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest("\(name)=\(text) must be a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }
}

/// Produces an export page by page as the writer asks for it, so a long chain never sits in memory.
actor AuditExportCursor {
    private let store: GatewayStore
    /// The head when the export started: records appended meanwhile belong to the next export.
    private let headSeq: Int64
    private var pending: [Data]
    private var last: (seq: Int64, hash: Data)
    private var count = 0
    private var finished = false

    init(store: GatewayStore, since: Date?) throws(AdminAPIError) {
        self.store = store
        do {
            let head = try store.auditHead()
            headSeq = head.seq
            let first = max(1, try since.map { try store.firstAuditSeq(atOrAfter: $0) ?? head.seq + 1 } ?? 1)
            let anchor = first > head.seq ? head.hash
                : try store.auditRecord(seq: first)?.prevHash ?? AuditRecord.genesisHash
            last = (first - 1, anchor)
            pending = [AuditExport.headerLine(firstSeq: first, anchor: anchor, since: since)]
        } catch let error as StoreError {
            throw AdminAPIError(error)
        } catch {
            throw AdminAPIError(.internalServerError, code: "internal", "\(error)")
        }
    }

    /// The next piece of the export; nil after the trailer.
    func next() throws -> Data? {
        if !pending.isEmpty { return pending.removeFirst() }
        guard !finished else { return nil }
        var page = Data()
        let records = last.seq < headSeq
            ? try store.audit(after: last.seq, limit: 500).filter { $0.seq <= headSeq } : []
        for record in records {
            page.append(AuditExport.recordLine(record))
            count += 1
            last = (record.seq, record.hash)
        }
        if records.isEmpty || last.seq >= headSeq {
            finished = true
            page.append(AuditExport.trailerLine(count: count, headSeq: last.seq, headHash: last.hash))
        }
        return page
    }
}
