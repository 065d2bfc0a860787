import Gateway
import NIOHTTP1

/// One endpoint: where it is, who may call it, and whether calling it changes anything (every
/// call of a mutating endpoint is an audit event, refused ones included).
struct AdminRoute: Sendable {
    /// What a handler returns: the answer, and for mutating calls what the audit record says.
    struct Outcome: Sendable {
        let response: AdminResponse
        /// The object acted on (an identity or client name); empty for the token or the daemon.
        var target: String = ""
        /// Audit detail; never a secret.
        var detail: [String: String] = [:]
    }

    /// A matched call: the request, the `{placeholders}` of the path, the caller's tier.
    struct Call: Sendable {
        let request: AdminRequest
        let parameters: [String: String]
        let tier: AdminTier

        func parameter(_ name: String) -> String { parameters[name] ?? "" }
    }

    let method: HTTPMethod
    /// The path; `{name}` matches one segment.
    let pattern: PathPattern
    /// `client.add`, `token.login`...: names the call in audit records and refusals.
    let action: String
    let tier: AdminTier
    let mutating: Bool
    let handle: @Sendable (AdminAPI, Call) async throws -> Outcome

    init(_ method: HTTPMethod, _ path: String, _ action: String, tier: AdminTier, mutating: Bool = false,
         _ handle: @escaping @Sendable (AdminAPI, Call) async throws -> Outcome) {
        self.method = method
        pattern = PathPattern(path)
        self.action = action
        self.tier = tier
        self.mutating = mutating
        self.handle = handle
    }
}
