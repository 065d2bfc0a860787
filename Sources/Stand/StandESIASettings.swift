/// Tolerances of the ESIA emulator.
public struct StandESIASettings: Codable, Sendable, Equatable {
    /// How far the CAdES `signingTime` of an API-KEY signature may be from the stand's clock, seconds.
    public var signingTimeToleranceSeconds: Int
    /// How far an OAuth `timestamp` may be from the stand's clock, seconds.
    public var timestampToleranceSeconds: Int
    /// Whether API-KEY signatures must be CAdES-BES (signingTime and signingCertificateV2 present);
    /// false also accepts plain CMS with or without signed attributes.
    public var requireCAdESBES: Bool

    public init(signingTimeToleranceSeconds: Int = 300, timestampToleranceSeconds: Int = 300, requireCAdESBES: Bool = true) {
        self.signingTimeToleranceSeconds = signingTimeToleranceSeconds
        self.timestampToleranceSeconds = timestampToleranceSeconds
        self.requireCAdESBES = requireCAdESBES
    }

    private enum CodingKeys: String, CodingKey {
        case signingTimeToleranceSeconds, timestampToleranceSeconds, requireCAdESBES
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        signingTimeToleranceSeconds = try container.decode(.signingTimeToleranceSeconds, default: defaults.signingTimeToleranceSeconds)
        timestampToleranceSeconds = try container.decode(.timestampToleranceSeconds, default: defaults.timestampToleranceSeconds)
        requireCAdESBES = try container.decode(.requireCAdESBES, default: defaults.requireCAdESBES)
    }
}
