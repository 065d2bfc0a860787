import Foundation

/// Something the token manager did, for the audit log and metrics. Never carries the token itself.
public enum TokenEvent: Sendable, Equatable {
    /// A new token was obtained.
    case acquired(identity: String, generation: UInt64, expiresAt: Date, duration: Duration)
    /// An attempt failed; `retryAt` is nil when the manager now waits for a person.
    case failed(identity: String, reason: TokenUnavailable, retryAt: Date?)
    /// A token generation was dropped because EPGU answered 401 with it.
    case invalidated(identity: String, generation: UInt64)
}

/// Receives token events (the audit log, metrics, the journal).
public protocol TokenEventSink: Sendable {
    func record(_ event: TokenEvent)
}
