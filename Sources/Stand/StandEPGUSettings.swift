/// Rules and limits of the EPGU emulator; the defaults are the numbers of the EPGU specification
/// (research/esia-epgu-protocol.md §4.1, §4.3).
public struct StandEPGUSettings: Codable, Sendable, Equatable {
    /// The scope a token needs for the order API.
    public var requiredScope: String
    /// Upper bound of a `/push` archive, bytes.
    public var maximumPushBytes: Int
    /// Lower bound of every chunk but the last, bytes.
    public var minimumChunkBytes: Int
    /// Upper bound of every chunk, bytes.
    public var maximumChunkBytes: Int
    /// All chunks of an order must arrive within this many seconds of the first one.
    public var chunkWindowSeconds: Int
    /// Seconds from the last file byte to FILES_VERIFICATION.
    public var verificationDelaySeconds: Int
    /// Seconds from FILES_VERIFICATION to the final status (DONE, or FILES_VERIFICATION_FAILED for a
    /// file that is not a zip archive).
    public var completionDelaySeconds: Int
    /// Requests per information system (all users) per calendar minute, hour, day, month and year.
    public var systemLimits: StandSystemLimits
    /// Orders one user may create for one service per window.
    public var ordersPerServicePerUser: Int
    /// The calendar window of `ordersPerServicePerUser`, seconds.
    public var orderWindowSeconds: Int
    /// The first order number handed out.
    public var firstOrderID: Int64
    /// Offset from UTC, minutes, of `getUpdatedAfter`'s `updatedAfter` and of calendar windows
    /// (the v1.13 specification says Moscow time).
    public var utcOffsetMinutes: Int

    public init(requiredScope: String = "http://lk.gosuslugi.ru/api-order",
                maximumPushBytes: Int = 50_000_000, minimumChunkBytes: Int = 5_000_000,
                maximumChunkBytes: Int = 50_000_000, chunkWindowSeconds: Int = 300,
                verificationDelaySeconds: Int = 5, completionDelaySeconds: Int = 10,
                systemLimits: StandSystemLimits = .init(), ordersPerServicePerUser: Int = 20,
                orderWindowSeconds: Int = 600, firstOrderID: Int64 = 3_000_000_001, utcOffsetMinutes: Int = 180) {
        self.requiredScope = requiredScope
        self.maximumPushBytes = maximumPushBytes
        self.minimumChunkBytes = minimumChunkBytes
        self.maximumChunkBytes = maximumChunkBytes
        self.chunkWindowSeconds = chunkWindowSeconds
        self.verificationDelaySeconds = verificationDelaySeconds
        self.completionDelaySeconds = completionDelaySeconds
        self.systemLimits = systemLimits
        self.ordersPerServicePerUser = ordersPerServicePerUser
        self.orderWindowSeconds = orderWindowSeconds
        self.firstOrderID = firstOrderID
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    private enum CodingKeys: String, CodingKey {
        case requiredScope, maximumPushBytes, minimumChunkBytes, maximumChunkBytes, chunkWindowSeconds
        case verificationDelaySeconds, completionDelaySeconds, systemLimits, ordersPerServicePerUser
        case orderWindowSeconds, firstOrderID, utcOffsetMinutes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        requiredScope = try container.decode(.requiredScope, default: defaults.requiredScope)
        maximumPushBytes = try container.decode(.maximumPushBytes, default: defaults.maximumPushBytes)
        minimumChunkBytes = try container.decode(.minimumChunkBytes, default: defaults.minimumChunkBytes)
        maximumChunkBytes = try container.decode(.maximumChunkBytes, default: defaults.maximumChunkBytes)
        chunkWindowSeconds = try container.decode(.chunkWindowSeconds, default: defaults.chunkWindowSeconds)
        verificationDelaySeconds = try container.decode(.verificationDelaySeconds, default: defaults.verificationDelaySeconds)
        completionDelaySeconds = try container.decode(.completionDelaySeconds, default: defaults.completionDelaySeconds)
        systemLimits = try container.decode(.systemLimits, default: defaults.systemLimits)
        ordersPerServicePerUser = try container.decode(.ordersPerServicePerUser, default: defaults.ordersPerServicePerUser)
        orderWindowSeconds = try container.decode(.orderWindowSeconds, default: defaults.orderWindowSeconds)
        firstOrderID = try container.decode(.firstOrderID, default: defaults.firstOrderID)
        utcOffsetMinutes = try container.decode(.utcOffsetMinutes, default: defaults.utcOffsetMinutes)
    }
}
