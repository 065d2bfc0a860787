/// The body of `POST /v1/token/login`. The PIN is wiped from the daemon's memory on logout and
/// never logged, stored or echoed.
public struct TokenLoginRequest: Codable, Sendable {
    public var pin: String
    /// Allow the attempt when the token says only one try is left.
    public var forceFinalTry: Bool?

    public init(pin: String, forceFinalTry: Bool? = nil) {
        self.pin = pin
        self.forceFinalTry = forceFinalTry
    }
}
