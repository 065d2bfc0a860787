/// What a driver found: the token, where it sits, and which key it signs with.
public struct TokenIdentity: Sendable, Hashable, Codable {
    /// PC/SC reader name or PKCS#11 slot description.
    public var reader: String?
    public var label: String?
    public var serial: String?
    public var manufacturer: String?
    public var model: String?
    /// The key, as the operator configured it ("CKA_ID 01 (GOST 2012-256 key)", "key reference 1 in 3F00/…").
    public var key: String?
    /// The signing mechanism in use.
    public var mechanism: String?

    public init(reader: String? = nil, label: String? = nil, serial: String? = nil, manufacturer: String? = nil,
                model: String? = nil, key: String? = nil, mechanism: String? = nil) {
        self.reader = reader
        self.label = label
        self.serial = serial
        self.manufacturer = manufacturer
        self.model = model
        self.key = key
        self.mechanism = mechanism
    }
}
