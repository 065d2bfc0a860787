import Foundation

/// EPGU quota use per identity and window, and the fair queue (schema `quota.json`; also in `status`).
public struct QuotaReport: Codable, Sendable, Equatable {
    public struct Counter: Codable, Sendable, Equatable {
        public let identity: String
        public let environment: String
        /// `minute`, `hour` or `day` (EPGU's calendar windows; days start at Moscow midnight).
        public let window: String
        public let limit: Int
        public let used: Int
        public let remaining: Int
        public let resetsAt: Date
    }

    /// Calls waiting for a quota slot right now.
    public let queueDepth: Int
    public let counters: [Counter]
}
