import Foundation
import GOST
import Logging
import Token

/// Owns the hardware (or stand) signer: opens it when first needed, reopens it after a failure, and
/// keeps the PIN a person handed over. Token sources ask it for the signer at each acquisition.
public actor SignerHolder {
    private let configuration: TokenConfiguration
    private let logger: Logger
    private var signer: TokenSigner?
    private var pin: TokenPIN?
    private var lastError: TokenError?
    /// Card and pcscd events for hardware drivers (nil for the file driver).
    public nonisolated let monitor: PresenceMonitor?
    private var following: Task<Void, Never>?

    public init(configuration: TokenConfiguration, pin: TokenPIN?, logger: Logger) {
        self.configuration = configuration
        self.pin = pin
        self.logger = logger
        if case .file = configuration.driver { monitor = nil } else { monitor = PresenceMonitor(logger: logger) }
    }

    /// The open signer; opens the driver on first use (the token may be absent at start).
    public func current() async throws(TokenError) -> TokenSigner {
        if let signer { return signer }
        do {
            let opened = try await TokenSigner.open(configuration, pin: pin, logger: logger)
            signer = opened
            // Removal, re-insertion and pcscd restarts reach the driver (re-login with a PIN it accepted).
            if let monitor { following = opened.follow(monitor) }
            lastError = nil
            return opened
        } catch {
            lastError = error
            throw error
        }
    }

    /// A person handed over a PIN: log in now when the signer is open, keep it for later otherwise.
    public func login(pin newPIN: TokenPIN, forceFinalTry: Bool = false) async throws(TokenError) -> TokenStatus? {
        pin?.wipe()
        pin = newPIN
        guard let signer else { return nil }
        return try await signer.login(pin: newPIN, forceFinalTry: forceFinalTry)
    }

    /// A person logs the token out: the held PIN is wiped and the open signer logs out, so no
    /// signature is made until the next `login`.
    public func logout() async {
        pin?.wipe()
        pin = nil
        await signer?.logout()
    }

    /// What the token looks like now (nil until it was opened once).
    public func status() -> (status: TokenStatus?, lastError: TokenError?) {
        (signer?.currentStatus, lastError)
    }

    /// Logs out, wipes the PIN and closes the driver.
    public func shutdown() async {
        following?.cancel()
        monitor?.stop()
        await signer?.shutdown()
        pin?.wipe()
        pin = nil
        signer = nil
    }
}
