import Config
import ESIA
import Foundation
import GOST
import Store
import Token

extension GatewayService {
    /// One quota counter as the admin sees it.
    public struct QuotaUse: Sendable, Equatable {
        public let identity: String
        public let environment: String
        /// `minute`, `hour` or `day`.
        public let window: String
        public let limit: Int
        public let used: Int
        /// When the current window ends and the count starts again.
        public let resetsAt: Date
    }

    /// One step of `identity test`, in the order it ran.
    public struct IdentityTestStep: Sendable, Equatable {
        /// `identity`, `signer`, `esia`, `manager`.
        public let name: String
        public let ok: Bool
        /// Stable code of the failure (`token_absent`, `esia_refused`...), nil when the step passed.
        public let code: String?
        /// What happened, for a person.
        public let detail: String
        public let duration: Duration
    }

    /// EPGU's per-system counters for every registered identity, in the current windows.
    public func quotaUsage(now: Date = Date()) async -> [QuotaUse] {
        let quotas = configuration.quotas
        let windows = QuotaWindow.epguSystemLimits(perMinute: quotas.perMinute, perHour: quotas.perHour,
                                                   perDay: quotas.perDay)
        var uses: [QuotaUse] = []
        for identity in identities.all {
            for window in windows {
                let used = await governor.used(QuotaGovernor.Counter(scope: identity.quotaScope, window: window))
                uses.append(QuotaUse(identity: identity.name, environment: identity.environment, window: window.name,
                                     limit: window.limit, used: used, resetsAt: window.end(containing: now)))
            }
        }
        return uses
    }

    /// Obtains a token for `name` right now, independently of its token manager (whose valid token
    /// keeps being served), and reports each step. A manager that holds no valid token is woken
    /// afterwards so it tries again at once.
    /// - Throws: `StoreError.notFound` when no such identity is stored.
    public func testIdentity(named name: String) async throws(StoreError) -> [IdentityTestStep] {
        guard let identity = try store.identity(named: name) else { throw .notFound(kind: "identity", name: name) }
        var steps: [IdentityTestStep] = []
        let clock = ContinuousClock()

        var started = clock.now
        guard let environment = configuration.environments[identity.environment] else {
            steps.append(IdentityTestStep(
                name: "identity", ok: false, code: "environment_unknown",
                detail: "environment \"\(identity.environment)\" is not in the configuration; add it or re-add the identity",
                duration: clock.now - started))
            return steps
        }
        steps.append(IdentityTestStep(
            name: "identity", ok: true, code: nil,
            detail: "\(identity.flow.rawValue) flow in environment \(identity.environment): ESIA \(environment.esia.absoluteString), EPGU \(environment.epgu.absoluteString)",
            duration: clock.now - started))

        started = clock.now
        do {
            let opened = try await signer.current()
            let certificate = opened.certificate
            steps.append(IdentityTestStep(
                name: "signer", ok: true, code: nil,
                detail: "\(opened.driverKind.rawValue) signer ready; certificate \(certificate.subject), valid until \(AuditExport.timestamp(certificate.notAfter))",
                duration: clock.now - started))
        } catch {
            steps.append(IdentityTestStep(name: "signer", ok: false, code: error.code, detail: error.description,
                                          duration: clock.now - started))
            return steps
        }

        started = clock.now
        do {
            let token = try await tokenSource(for: identity, environment: environment).obtainToken()
            let seconds = Int(token.expiresAt.timeIntervalSinceNow)
            steps.append(IdentityTestStep(
                name: "esia", ok: true, code: nil,
                detail: "ESIA issued a \(token.algorithm) token valid for \(seconds) s (until \(AuditExport.timestamp(token.expiresAt)))",
                duration: clock.now - started))
        } catch {
            steps.append(IdentityTestStep(name: "esia", ok: false, code: error.code, detail: error.description,
                                          duration: clock.now - started))
            return steps
        }

        started = clock.now
        guard let registered = identities.identity(named: name) else {
            steps.append(IdentityTestStep(name: "manager", ok: false, code: "identity_not_loaded",
                                          detail: "the identity is stored but not loaded; run `gosgatectl reload`",
                                          duration: clock.now - started))
            return steps
        }
        if await registered.tokens.status().state == .invalid {
            await registered.tokens.wake()
            await registered.tokens.settle()
        }
        let status = await registered.tokens.status()
        let state = status.state == .invalid
            ? "holds no valid token: \((status.lastFailure ?? .notYetObtained).description)"
            : "serves a \(status.state.rawValue) token"
        steps.append(IdentityTestStep(name: "manager", ok: status.state != .invalid,
                                      code: status.state == .invalid ? (status.lastFailure ?? .notYetObtained).code : nil,
                                      detail: "the token manager \(state)", duration: clock.now - started))
        return steps
    }

    /// True when `text` is a CIDR block (or a single address) a client allow-list accepts.
    public static func isValidAddressBlock(_ text: String) -> Bool {
        AddressBlock(text) != nil
    }

    /// A token source built the way the token managers' are, for a one-off acquisition.
    /// The token source an identity's manager asks: API-KEY exchange or OAuth v3, signing on the holder's token.
    func tokenSource(for identity: Identity, environment: EnvironmentSettings) -> any AccessTokenSource {
        let holder = signer
        let provideSigner: @Sendable () async throws -> any DigestSigner = { try await holder.current() }
        let verifier = environment.esiaTokenCertificates.isEmpty
            ? nil : JWTSignatureVerifier(certificatePaths: environment.esiaTokenCertificates)
        switch identity.flow {
        case .apiKey:
            return APIKeyTokenSource(apiKey: identity.apiKey ?? "", esia: environment.esia, signer: provideSigner,
                                     transport: transport, classifySignerError: TokenFailureClassifier.classify,
                                     tokenVerifier: verifier)
        case .oauth:
            return OAuthTokenSource(clientID: identity.clientID ?? "", scope: identity.scopes, esia: environment.esia,
                                    signer: provideSigner, transport: transport,
                                    classifySignerError: TokenFailureClassifier.classify, tokenVerifier: verifier)
        }
    }
}
