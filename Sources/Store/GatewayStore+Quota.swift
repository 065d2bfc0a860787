import Foundation
import GRDB

extension GatewayStore {
    /// A persisted quota count: `scope` names counter and window, `windowStart` is in milliseconds.
    public struct QuotaCount: Sendable, Equatable {
        public let scope: String
        public let windowStart: Int64
        public let count: Int

        public init(scope: String, windowStart: Int64, count: Int) {
            self.scope = scope
            self.windowStart = windowStart
            self.count = count
        }
    }

    /// Counts whose window started after `since` (older windows no longer matter).
    public func quotaCounts(since: Date) throws(StoreError) -> [QuotaCount] {
        let threshold = Int64(since.timeIntervalSince1970 * 1000)
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT scope, window_start, count FROM quota_counter WHERE window_start >= ?",
                             arguments: [threshold]).map {
                QuotaCount(scope: $0["scope"], windowStart: $0["window_start"], count: $0["count"])
            }
        }
    }

    /// Saves counts (upsert) and forgets windows older than two days.
    public func saveQuotaCounts(_ counts: [QuotaCount], now: Date = Date()) throws(StoreError) {
        guard !counts.isEmpty else { return }
        let horizon = Int64((now.timeIntervalSince1970 - 2 * 86_400) * 1000)
        try write { db in
            for count in counts {
                try db.execute(sql: """
                    INSERT INTO quota_counter (scope, window_start, count) VALUES (?, ?, ?)
                    ON CONFLICT (scope, window_start) DO UPDATE SET count = max(count, excluded.count)
                    """, arguments: [count.scope, count.windowStart, count.count])
            }
            try db.execute(sql: "DELETE FROM quota_counter WHERE window_start < ?", arguments: [horizon])
        }
    }
}
