import Admin
import ArgumentParser

/// `gosgatectl`'s exit statuses for daemon commands. Stable: scripts and monitoring rely on them
/// (docs/operations.md lists them).
enum AdminExitCode: Int32, CaseIterable {
    /// Done.
    case success = 0
    /// The daemon refused or the operation failed: not found, already exists, invalid value, PIN
    /// rejected, a failed identity test.
    case failed = 1
    /// The configuration file has problems (`config check`, `reload`).
    case configurationInvalid = 2
    /// The daemon cannot be reached: no socket, nothing listening, no answer in time.
    case unreachable = 3
    /// Not allowed: the socket's mode keeps this user out, or the call needs a higher tier.
    case permissionDenied = 4
    /// `status`: the gateway runs but is not ready (reasons printed).
    case notReady = 5
    /// `audit verify`: the chain is broken.
    case auditBroken = 6

    var exitCode: ExitCode { ExitCode(rawValue) }

    /// The status for a client-side failure.
    init(_ error: AdminClientError) {
        switch error {
        case .permissionDenied: self = .permissionDenied
        case .socketMissing, .notListening, .connectFailed, .timedOut, .malformedResponse: self = .unreachable
        }
    }

    /// The status for a refusal from the daemon.
    init(_ body: AdminErrorBody) {
        switch body.code {
        case "tier_required": self = .permissionDenied
        case "config_invalid": self = .configurationInvalid
        default: self = .failed
        }
    }
}
