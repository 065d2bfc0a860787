/// Faults the stand injects, switched at run time through `POST /__stand/faults`.
///
/// Every field is optional in JSON; an absent field means "no such fault". Counters (`count`,
/// `dropConnections`) are consumed as requests arrive, so a test can ask for exactly N failures.
public struct StandFaults: Codable, Sendable, Equatable {
    /// 429 answers with `Retry-After`.
    public struct RateLimit: Codable, Sendable, Equatable {
        /// How many EPGU requests get 429; nil means every request until the fault is cleared.
        public var count: Int?
        /// The `Retry-After` value, seconds.
        public var retryAfterSeconds: Int

        public init(count: Int? = nil, retryAfterSeconds: Int = 60) {
            self.count = count
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// How ESIA behaves when it is "down".
    public enum ESIAOutage: String, Codable, Sendable, Equatable {
        /// 503 with `ESIA-007008` (overloaded or under maintenance).
        case unavailable
        /// The connection is closed without an answer.
        case drop
    }

    /// Delay added before every ESIA and EPGU answer, milliseconds.
    public var latencyMilliseconds: Int?
    /// Fraction (0…1) of EPGU requests answered with `serverErrorStatus`.
    public var serverErrorRate: Double?
    /// The status of injected server errors: 500, 502, 503 or 504 (503 by default).
    public var serverErrorStatus: Int?
    /// After this many further EPGU calls, every token issued before that moment is revoked (EPGU
    /// answers 401 to it); tokens obtained afterwards work. 0 revokes at once.
    public var unauthorizedAfterCalls: Int?
    /// 429 answers.
    public var rateLimit: RateLimit?
    /// The next N requests (ESIA or EPGU) have their connection closed without an answer.
    public var dropConnections: Int?
    /// ESIA outage; nil means ESIA is up.
    public var esiaDown: ESIAOutage?

    public init(latencyMilliseconds: Int? = nil, serverErrorRate: Double? = nil, serverErrorStatus: Int? = nil,
                unauthorizedAfterCalls: Int? = nil, rateLimit: RateLimit? = nil, dropConnections: Int? = nil,
                esiaDown: ESIAOutage? = nil) {
        self.latencyMilliseconds = latencyMilliseconds
        self.serverErrorRate = serverErrorRate
        self.serverErrorStatus = serverErrorStatus
        self.unauthorizedAfterCalls = unauthorizedAfterCalls
        self.rateLimit = rateLimit
        self.dropConnections = dropConnections
        self.esiaDown = esiaDown
    }

    /// Why a fault setting cannot be used, or nil when all are usable.
    var problem: String? {
        if let latency = latencyMilliseconds, !(0...600_000).contains(latency) {
            return "latencyMilliseconds must be 0…600000"
        }
        if let rate = serverErrorRate, !(0...1).contains(rate) { return "serverErrorRate must be 0…1" }
        if let status = serverErrorStatus, ![500, 502, 503, 504].contains(status) {
            return "serverErrorStatus must be 500, 502, 503 or 504"
        }
        if let calls = unauthorizedAfterCalls, calls < 0 { return "unauthorizedAfterCalls must not be negative" }
        if let limit = rateLimit {
            if let count = limit.count, count < 0 { return "rateLimit.count must not be negative" }
            if limit.retryAfterSeconds < 0 { return "rateLimit.retryAfterSeconds must not be negative" }
        }
        if let drops = dropConnections, drops < 0 { return "dropConnections must not be negative" }
        return nil
    }
}
