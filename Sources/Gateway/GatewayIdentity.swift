import ESIA
import Foundation

/// An identity as the running gateway uses it: where its EPGU is, and its token manager.
public struct GatewayIdentity: Sendable {
    public let name: String
    public let environment: String
    /// EPGU origin of the identity's environment: the only host its calls can reach.
    public let epguOrigin: URL
    public let tokens: TokenManager
    /// What the identity was built from; a reload keeps the token manager while this is unchanged.
    let fingerprint: String

    public init(name: String, environment: String, epguOrigin: URL, tokens: TokenManager, fingerprint: String = "") {
        self.name = name
        self.environment = environment
        self.epguOrigin = epguOrigin
        self.tokens = tokens
        self.fingerprint = fingerprint
    }

    /// Quota scope: EPGU counts per information system, i.e. per identity in one environment.
    var quotaScope: String { "\(environment)/\(name)" }
}
