import Foundation
import GOST
import Logging
import Synchronization

/// The gateway's one signer: a hardware token behind the `pkcs11` or `pcsc` driver, or on test
/// stands a software key behind the `file` driver. Conforms to `DigestSigner`, so the CAdES
/// builder and the ESIA signer use it without knowing which.
///
/// It owns the rules around the token:
/// - one operation at a time per token; callers queue in order with a deadline (`TokenWorker`);
/// - an absent token is waited for until the caller's deadline; a token pulled mid-signature fails
///   only that call;
/// - the PIN policy (`PINPolicy`): never an automatic retry after a wrong PIN, the final try only
///   when forced, an accepted PIN reused only for the same token;
/// - every signature is checked against the certificate before it leaves (configurable).
public final class TokenSigner: DigestSigner, @unchecked Sendable {
    // @unchecked: `driver` is touched only from `worker`'s serial queue; all other state is in Mutexes.

    public let certificate: GOSTCertificate
    public let driverKind: TokenDriverKind

    private let driver: any TokenDriver
    private let worker: TokenWorker
    private let policy: Mutex<PINPolicy>
    private let status: Mutex<TokenStatus>
    private let closed = Atomic<Bool>(false)
    private let publicKey: GOSTPublicKey
    private let deadline: Duration
    private let checksSignatures: Bool
    private let logger: Logger

    /// Opens the configured driver, finds the certificate, and takes the PIN if one is given.
    ///
    /// The token itself need not be present when the certificate comes from a file: the first
    /// signature waits for it.
    public static func open(_ configuration: TokenConfiguration, pin: TokenPIN? = nil, forceFinalTry: Bool = false,
                            logger: Logger = Logger(label: "gosgate.token")) async throws(TokenError) -> TokenSigner {
        // Load the GOST engine before any PKCS#11 module: a module that initialises OpenSSL from
        // OPENSSL_CONF (OpenSC does) may register an engine named "gost" first and make ours fail.
        do {
            try GOSTEngine.ensureLoaded()
        } catch {
            throw .configurationInvalid("\(error)")
        }
        let driver: any TokenDriver
        switch configuration.driver {
        case .pkcs11(let settings): driver = try PKCS11Driver(settings: settings)
        case .pcsc(let settings): driver = PCSCDriver(settings: settings)
        case .file(let settings): driver = try FileKeyDriver(settings: settings)
        }
        let worker = TokenWorker(label: "gosgate.token.\(configuration.driver.kind)")
        let box = DriverBox(driver)
        let deadline = ContinuousClock.now + configuration.deadline
        let certificateFile = configuration.certificateFile
        let found = try await worker.run(until: deadline) { () throws(TokenError) -> (GOSTCertificate, TokenIdentity?) in
            try Self.locateCertificate(box.driver, file: certificateFile, deadline: deadline)
        }
        return try TokenSigner(driver: driver, worker: worker, certificate: found.0, identity: found.1,
                               configuration: configuration, pin: pin, forceFinalTry: forceFinalTry, logger: logger)
    }

    private init(driver: any TokenDriver, worker: TokenWorker, certificate: GOSTCertificate, identity: TokenIdentity?,
                 configuration: TokenConfiguration, pin: TokenPIN?, forceFinalTry: Bool, logger: Logger) throws(TokenError) {
        let publicKey: GOSTPublicKey
        do {
            publicKey = try certificate.publicKey
        } catch {
            throw .certificateUnavailable("\(certificate.subject) has no GOST R 34.10-2012 key: \(error)")
        }
        if let fileDriver = driver as? FileKeyDriver, fileDriver.publicKey != publicKey {
            throw .certificateMismatch("the certificate \(certificate.subject) is for another key than the key file")
        }
        self.driver = driver
        self.worker = worker
        self.certificate = certificate
        self.publicKey = publicKey
        driverKind = driver.kind
        deadline = configuration.deadline
        checksSignatures = configuration.checksSignatures
        self.logger = logger
        var initialPolicy = PINPolicy()
        if let pin { initialPolicy.provide(pin, forceFinalTry: forceFinalTry) }
        policy = Mutex(initialPolicy)
        var warnings: [String] = []
        if driver.kind == .file {
            warnings.append("SOFTWARE KEY: the file driver keeps the signing key on disk; for test stands only")
            logger.critical("""
                SOFTWARE KEY IN USE: the file driver signs with a key file, not a hardware token; \
                this is for test stands only and must never run in production
                """)
        }
        if !certificate.isValid() {
            warnings.append("certificate \(certificate.subject) is not valid now (valid \(certificate.notBefore) to \(certificate.notAfter))")
        }
        status = Mutex(TokenStatus(
            driver: driver.kind, present: identity != nil, identity: identity, loggedIn: false,
            pin: driver.needsLogin ? (pin == nil ? .none : .held) : .notNeeded, pinCounter: nil,
            certificateSubject: certificate.subject, certificateSerial: certificate.serialNumber,
            certificateNotBefore: certificate.notBefore, certificateNotAfter: certificate.notAfter,
            signatures: 0, warnings: warnings, lastError: nil))
        logger.info("token signer ready", metadata: [
            "driver": "\(driver.kind)", "certificate": "\(certificate.subject)",
            "token": "\(identity?.label ?? "not present yet")",
        ])
    }

    // MARK: signing

    /// Signs `digest` (Streebog output as OpenSSL prints it) and returns `s‖r`; waits up to the
    /// configured deadline for its turn and for the token.
    public func sign(digest: Data) async throws -> Data {
        try await sign(digest: digest, deadline: .now + deadline)
    }

    /// Signs `digest`, waiting no later than `deadline` for the token to be free and present.
    public func sign(digest: Data, deadline: ContinuousClock.Instant) async throws(TokenError) -> Data {
        let expected = publicKey.keySize.digest.byteCount
        guard digest.count == expected else {
            throw .digestInvalid("a \(publicKey.keySize) key signs a \(expected)-byte digest, got \(digest.count) bytes")
        }
        return try await perform("sign", until: deadline) { () throws(TokenError) -> Data in
            let signature = try self.withSession(until: deadline) { () throws(TokenError) in
                try self.driver.sign(digest: digest)
            }
            try self.check(signature) { self.publicKey.verify(signature: signature, digest: digest) }
            return signature
        }
    }

    /// Signs a whole message: on the token with `CKM_GOSTR3410_WITH_GOSTR3411_12_256` when the
    /// PKCS#11 module offers it, otherwise Streebog here and the digest on the token.
    public func sign(message: Data, deadline: ContinuousClock.Instant? = nil) async throws(TokenError) -> Data {
        let until = deadline ?? .now + self.deadline
        let onToken = try await perform("sign", until: until) { () throws(TokenError) -> Data? in
            guard let signature = try self.withSession(until: until, { () throws(TokenError) in
                try self.driver.sign(message: message)
            }) else { return nil }
            try self.check(signature) { (try? self.publicKey.verify(signature: signature, message: message)) ?? false }
            return signature
        }
        if let onToken { return onToken }
        let digest: Data
        do {
            digest = try Streebog.hash(message, size: publicKey.keySize.digest)
        } catch {
            throw .digestInvalid("Streebog failed: \(error)")
        }
        return try await sign(digest: digest, deadline: until)
    }

    // MARK: PIN and session control

    /// A person hands over the PIN at run time: it replaces any held PIN and is tried at once when
    /// the token is present (once; a wrong PIN is reported, not retried). `forceFinalTry` allows the
    /// attempt when only one try is left.
    @discardableResult
    public func login(pin: TokenPIN, forceFinalTry: Bool = false) async throws(TokenError) -> TokenStatus {
        policy.withLock { $0.provide(pin, forceFinalTry: forceFinalTry) }
        updateStatus { $0.lastError = nil }
        guard driver.needsLogin else { return currentStatus }
        let until = ContinuousClock.now + deadline
        do {
            try await perform("login", until: until) { () throws(TokenError) in
                _ = try self.driver.connect(until: .now)
                self.driver.logout()
                _ = try self.withSession(until: .now) { () throws(TokenError) in () }
            }
        } catch .tokenAbsent {
            logger.info("PIN held; the token is not present, it will be used when the token arrives")
        }
        return currentStatus
    }

    /// Logs out of the token and forgets the PIN.
    public func logout() async {
        policy.withLock { $0.forget() }
        await worker.run { self.driver.logout() }
        updateStatus { state in
            state.loggedIn = false
            state.pin = self.driver.needsLogin ? .none : .notNeeded
        }
        logger.info("token logged out; PIN forgotten")
    }

    /// Logs out, forgets the PIN, closes the driver; every later call fails with `shutDown`.
    public func shutdown() async {
        guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        policy.withLock { $0.forget() }
        await worker.run {
            self.driver.logout()
            self.driver.disconnect()
        }
        updateStatus { state in
            state.loggedIn = false
            state.present = false
        }
        logger.info("token signer shut down")
    }

    /// The last known status, without touching the token.
    public var currentStatus: TokenStatus {
        let phase = policy.withLock { $0.phase }
        return status.withLock { state in
            var copy = state
            if driver.needsLogin { copy.pin = Self.pinState(phase) }
            return copy
        }
    }

    /// Asks the token for its current state (presence, login, PIN retries), queueing like a signature.
    public func refreshStatus(deadline: ContinuousClock.Instant? = nil) async throws(TokenError) -> TokenStatus {
        let until = deadline ?? .now + self.deadline
        try await perform("status", until: until) { () throws(TokenError) in
            let identity = try self.driver.connect(until: .now)
            let counter = self.driver.needsLogin ? try self.driver.pinCounter() : nil
            self.updateStatus { state in
                state.present = true
                state.identity = identity
                state.pinCounter = counter
                state.loggedIn = self.driver.isLoggedIn
            }
        }
        return currentStatus
    }

    /// Follows `monitor`: when a card is removed (or pcscd goes away) the session is dropped at once
    /// and a never-accepted PIN is wiped. Returns the task; cancel it to stop following.
    @discardableResult
    public func follow(_ monitor: PresenceMonitor) -> Task<Void, Never> {
        Task { [weak self] in
            for await event in monitor.events() {
                guard let self else { return }
                switch event {
                case .cardRemoved(let reader):
                    let ours = self.status.withLock { $0.identity?.reader }
                    if ours == nil || ours == reader { await self.tokenWentAway("card removed from \(reader)") }
                case .serviceLost(let why):
                    await self.tokenWentAway("pcscd went away: \(why)")
                default:
                    break
                }
            }
        }
    }

    // MARK: internals

    private func tokenWentAway(_ why: String) async {
        policy.withLock { $0.tokenRemoved() }
        await worker.run { self.driver.disconnect() }
        updateStatus { state in
            state.present = false
            state.loggedIn = false
        }
        logger.info("token gone; session dropped", metadata: ["why": "\(why)"])
    }

    /// Queues `body` on the worker and records its outcome in the status.
    private func perform<T: Sendable>(_ operation: String, until deadline: ContinuousClock.Instant,
                                      _ body: @escaping @Sendable () throws(TokenError) -> T) async throws(TokenError) -> T {
        guard !closed.load(ordering: .sequentiallyConsistent) else { throw .shutDown }
        do {
            let result = try await worker.run(until: deadline) { () throws(TokenError) -> T in
                guard !self.closed.load(ordering: .sequentiallyConsistent) else { throw .shutDown }
                return try body()
            }
            return result
        } catch {
            updateStatus { $0.lastError = error.description }
            logger.warning("token \(operation) failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Runs `operation` with the token connected and logged in as the PIN policy allows. Runs on the worker.
    ///
    /// A token found gone (or pcscd found restarted) before this request's signing command was sent
    /// is waited for until the deadline and the request carries on: it never touched the card. One
    /// that vanishes while the signing command is in flight fails this request only. A PIN that was
    /// never accepted is not sent twice because of a flaky connection.
    private func withSession<T>(until deadline: ContinuousClock.Instant,
                                _ operation: () throws(TokenError) -> T) throws(TokenError) -> T {
        var relogged = false
        while true {
            let signingCommandsBefore = driver.signingCommandsSent
            var pinSent = false
            do {
                try prepareSession(until: deadline, pinSent: &pinSent)
                return try operation()
            } catch .cardError(let command, 0x6982) where !relogged && policy.withLock({ $0.phase == .accepted }) {
                // The card forgot our login (reset by another application): log in again, once,
                // with the PIN it accepted before.
                logger.info("token lost its login; logging in again with the accepted PIN", metadata: ["command": "\(command)"])
                relogged = true
            } catch {
                guard Self.meansConnectionLost(error) else { throw error }
                driver.disconnect()
                updateStatus { state in
                    state.present = false
                    state.loggedIn = false
                }
                let touchedCard = driver.signingCommandsSent != signingCommandsBefore
                let riskyPIN = pinSent && policy.withLock { $0.phase != .accepted }
                if touchedCard || riskyPIN {
                    policy.withLock { $0.tokenRemoved() }
                    throw error
                }
                guard ContinuousClock.now < deadline else { throw error }
                logger.info("token connection lost before signing; waiting for the token", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    private static func meansConnectionLost(_ error: TokenError) -> Bool {
        switch error {
        case .tokenRemoved, .pcscUnavailable: return true
        default: return false
        }
    }

    private func prepareSession(until deadline: ContinuousClock.Instant, pinSent: inout Bool) throws(TokenError) {
        let identity = try driver.connect(until: deadline)
        policy.withLock { $0.tokenPresent(serial: identity.serial) }
        updateStatus { state in
            state.present = true
            state.identity = identity
        }
        guard driver.needsLogin, !driver.isLoggedIn else {
            updateStatus { $0.loggedIn = true }
            return
        }
        let counter = try driver.pinCounter()
        updateStatus { $0.pinCounter = counter }
        if driver.isLoggedIn { return }
        let pin: TokenPIN
        do {
            pin = try policy.withLock { (policy: inout PINPolicy) throws(TokenError) -> TokenPIN in
                if counter.isLocked { policy.tokenLocked() }
                return try policy.pinForLogin(tokenSerial: identity.serial, counter: counter)
            }
        }
        let outcome: LoginOutcome
        pinSent = true
        do {
            outcome = try driver.login(pin)
        } catch .pinInvalid(let why) {
            policy.withLock { $0.loginRejected(counter: counter) }
            throw .pinInvalid(why)
        }
        switch outcome {
        case .accepted:
            policy.withLock { $0.loginSucceeded(tokenSerial: identity.serial) }
            updateStatus { state in
                state.loggedIn = true
                state.pinCounter = nil
            }
            logger.info("token login succeeded", metadata: ["token": "\(identity.label ?? identity.serial ?? "token")"])
        case .rejected(let after):
            policy.withLock { $0.loginRejected(counter: after) }
            updateStatus { $0.pinCounter = after }
            logger.error("token rejected the PIN; not retrying, waiting for a person", metadata: ["retries": "\(after)"])
            throw .pinIncorrect(after)
        case .locked:
            policy.withLock { $0.tokenLocked() }
            updateStatus { $0.pinCounter = .locked }
            logger.error("token PIN is blocked")
            throw .pinLocked
        }
    }

    private func check(_ signature: Data, _ verifies: () -> Bool) throws(TokenError) {
        guard checksSignatures else {
            updateStatus { $0.signatures += 1 }
            return
        }
        guard verifies() else {
            throw .signatureSelfCheckFailed("\(driver.kind) driver returned a signature the certificate "
                                            + "\(certificate.subject) does not verify; wrong key ID or byte order")
        }
        updateStatus { $0.signatures += 1 }
    }

    private func updateStatus(_ change: (inout TokenStatus) -> Void) {
        status.withLock { change(&$0) }
    }

    private static func pinState(_ phase: PINPolicy.Phase) -> TokenStatus.PINState {
        switch phase {
        case .noPIN: return .none
        case .untried: return .held
        case .accepted: return .accepted
        case .rejected: return .rejected
        case .locked: return .locked
        }
    }

    /// The certificate from the configured file, else from the token (which must then be present).
    private static func locateCertificate(_ driver: any TokenDriver, file: String?,
                                          deadline: ContinuousClock.Instant) throws(TokenError) -> (GOSTCertificate, TokenIdentity?) {
        if let file {
            let certificate: GOSTCertificate
            do {
                certificate = try GOSTCertificate(contentsOfFile: file)
            } catch {
                throw .certificateUnavailable("cannot load \(file): \(error)")
            }
            // The token may be absent at start-up; signatures will wait for it.
            let identity = try? driver.connect(until: .now)
            return (certificate, identity)
        }
        guard driver.kind != .file else {
            throw .configurationInvalid("the file driver needs a certificate file")
        }
        let identity = try driver.connect(until: deadline)
        guard let certificate = try driver.readCertificate() else {
            throw .certificateUnavailable("the token has no certificate with the key's ID that this module can read "
                                          + "(opensc-pkcs11.so cannot expose GOST-2012 certificates); "
                                          + "export it and set token.certificate to the file")
        }
        return (certificate, identity)
    }
}

/// Carries a driver into the worker's closure; only that closure touches it.
private final class DriverBox: @unchecked Sendable {
    let driver: any TokenDriver
    init(_ driver: any TokenDriver) { self.driver = driver }
}
