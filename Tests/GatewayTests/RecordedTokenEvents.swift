import ESIA
import Foundation
import TestSupport

/// A token event sink that keeps every event, so a test can wait for an acquisition or a failure.
final class RecordedTokenEvents: TokenEventSink, @unchecked Sendable {
    // @unchecked: `events` is only touched under `lock`.
    private let lock = NSLock()
    private var events: [TokenEvent] = []

    func record(_ event: TokenEvent) {
        lock.withLock { events.append(event) }
    }

    var all: [TokenEvent] { lock.withLock { events } }

    /// How many tokens were obtained so far.
    var acquisitions: Int {
        all.filter { if case .acquired = $0 { return true } else { return false } }.count
    }

    /// The reasons of every failed attempt so far, oldest first.
    var failures: [TokenUnavailable] {
        all.compactMap { if case .failed(_, let reason, _) = $0 { return reason } else { return nil } }
    }

    /// Waits (polling, without blocking a thread) until `condition` holds for the events.
    func wait(for description: String, timeout: Duration = .seconds(15),
              _ condition: (RecordedTokenEvents) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            guard ContinuousClock.now < deadline else {
                throw PeerFailure("waited \(timeout) for \(description); token events: \(all)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
