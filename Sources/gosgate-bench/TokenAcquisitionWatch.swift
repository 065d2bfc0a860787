import ArgumentParser
import ESIA
import Foundation

/// A token event sink that notes when the manager obtained a token, and why attempts failed.
final class TokenAcquisitionWatch: TokenEventSink, @unchecked Sendable {
    // @unchecked: the fields are only touched under `lock`.
    private let lock = NSLock()
    private var acquiredAt: ContinuousClock.Instant?
    private var lastFailure: TokenUnavailable?

    func record(_ event: TokenEvent) {
        let now = ContinuousClock.now
        lock.withLock {
            switch event {
            case .acquired: if acquiredAt == nil { acquiredAt = now }
            case .failed(_, let reason, _): lastFailure = reason
            case .invalidated: break
            }
        }
    }

    /// Waits (polling every 0.2 ms, without holding a thread) for the first acquisition and returns its instant.
    func firstAcquisition(timeout: Duration) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (acquired, failure) = lock.withLock { (acquiredAt, lastFailure) }
            if let acquired { return acquired }
            guard ContinuousClock.now < deadline else {
                throw ValidationError("no token within \(timeout)\(failure.map { "; last failure: \($0)" } ?? "")")
            }
            try await Task.sleep(for: .microseconds(200))
        }
    }
}
