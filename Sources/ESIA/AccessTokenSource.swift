/// Obtains a brand-new ESIA access token for one identity (API-KEY exchange, OAuth...).
///
/// The token manager calls it at most once at a time per identity and decides when.
public protocol AccessTokenSource: Sendable {
    /// Signs and asks ESIA; throws the precise reason when it cannot.
    func obtainToken() async throws(TokenUnavailable) -> AccessToken
}
