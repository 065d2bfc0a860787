/// How the ESIA emulator signs access tokens and how long they live.
public struct StandTokenSettings: Codable, Sendable, Equatable {
    /// The JWT `alg`: `GOST3410_2012_256` (a GOST key) or `RS256` (an RSA key).
    public var algorithm: String
    /// PEM private key that signs tokens (GOST PKCS#8, or RSA for RS256).
    public var signingKeyFile: String
    /// PEM certificate (GOST) or public key (RSA) that verifies tokens; handed to integrators.
    public var verificationFile: String
    /// Access token lifetime (`exp − iat`), seconds.
    public var lifetimeSeconds: Int
    /// Refresh token lifetime, seconds.
    public var refreshLifetimeSeconds: Int

    /// The GOST algorithm name ESIA writes into the JWT header.
    public static let gostAlgorithm = "GOST3410_2012_256"
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    public static let rsaAlgorithm = "RS256"

    public init(algorithm: String = Self.gostAlgorithm, signingKeyFile: String = "esia-token.key.pem",
                verificationFile: String = "esia-token.pem", lifetimeSeconds: Int = 3600,
                refreshLifetimeSeconds: Int = 14 * 86_400) {
        self.algorithm = algorithm
        self.signingKeyFile = signingKeyFile
        self.verificationFile = verificationFile
        self.lifetimeSeconds = lifetimeSeconds
        self.refreshLifetimeSeconds = refreshLifetimeSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case algorithm, signingKeyFile, verificationFile, lifetimeSeconds, refreshLifetimeSeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        algorithm = try container.decode(.algorithm, default: defaults.algorithm)
        signingKeyFile = try container.decode(.signingKeyFile, default: defaults.signingKeyFile)
        verificationFile = try container.decode(.verificationFile, default: defaults.verificationFile)
        lifetimeSeconds = try container.decode(.lifetimeSeconds, default: defaults.lifetimeSeconds)
        refreshLifetimeSeconds = try container.decode(.refreshLifetimeSeconds, default: defaults.refreshLifetimeSeconds)
    }
}
