/// Requests one information system may make per calendar window, all users and services together
/// (EPGU specification, прил. 3).
public struct StandSystemLimits: Codable, Sendable, Equatable {
    public var perMinute: Int
    public var perHour: Int
    public var perDay: Int
    public var perMonth: Int
    public var perYear: Int

    public init(perMinute: Int = 2_000, perHour: Int = 120_000, perDay: Int = 2_880_000,
                perMonth: Int = 86_400_000, perYear: Int = 1_036_800_000) {
        self.perMinute = perMinute
        self.perHour = perHour
        self.perDay = perDay
        self.perMonth = perMonth
        self.perYear = perYear
    }

    private enum CodingKeys: String, CodingKey {
        case perMinute, perHour, perDay, perMonth, perYear
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        perMinute = try container.decode(.perMinute, default: defaults.perMinute)
        perHour = try container.decode(.perHour, default: defaults.perHour)
        perDay = try container.decode(.perDay, default: defaults.perDay)
        perMonth = try container.decode(.perMonth, default: defaults.perMonth)
        perYear = try container.decode(.perYear, default: defaults.perYear)
    }
}
