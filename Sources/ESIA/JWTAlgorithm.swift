/// The JWS `alg` values ESIA signs access tokens with (research/esia-epgu-protocol.md §5).
public enum JWTAlgorithm: String, Sendable, CaseIterable, CustomStringConvertible {
    /// RSASSA-PKCS1-v1_5 with SHA-256, for systems still set to RSA on the technological portal.
    case rs256 = "RS256"
    /// Streebog-256 and GOST R 34.10-2012 (256-bit key), signature `s‖r`: the portal's only choice since 2022.
    case gost3410_2012_256 = "GOST3410_2012_256"

    public var description: String { rawValue }
}
