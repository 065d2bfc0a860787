import Dispatch
import Synchronization

/// Runs blocking token operations one at a time, in arrival order, on a dedicated queue, so the
/// cooperative thread pool never blocks on a slow card.
///
/// Each caller waits in line with a deadline: if its turn has not come by then it gets
/// `queueTimeout` and its operation never runs. Once an operation started it runs to completion
/// (a card command cannot be abandoned halfway).
final class TokenWorker: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `body` when its turn comes, unless `deadline` passes first or the task is cancelled.
    func run<T: Sendable>(until deadline: ContinuousClock.Instant,
                          _ body: @escaping @Sendable () throws(TokenError) -> T) async throws(TokenError) -> T {
        let ticket = Ticket<T>()
        let enqueued = ContinuousClock.now
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                ticket.attach(continuation)
                queue.async {
                    guard ticket.begin() else { return }
                    ticket.finish(Result { () throws(TokenError) in try body() })
                }
                let wait = deadline.remaining
                let nanoseconds = wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
                    ticket.abandon(.queueTimeout(waited: ContinuousClock.now - enqueued))
                }
            }
        } onCancel: {
            ticket.abandon(.cancelled)
        }
        return try result.get()
    }

    /// Runs `body` without a deadline (shutdown, removal handling).
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}

/// One queued operation: waiting, then running or abandoned, then done; delivers exactly one result.
private final class Ticket<T: Sendable>: Sendable {
    private enum Phase { case waiting, running, done }

    private struct State {
        var phase = Phase.waiting
        var continuation: CheckedContinuation<Result<T, TokenError>, Never>?
        var pending: Result<T, TokenError>?
    }

    private let state = Mutex(State())

    func attach(_ continuation: CheckedContinuation<Result<T, TokenError>, Never>) {
        state.withLock { state in
            if let pending = state.pending {
                continuation.resume(returning: pending)
                state.pending = nil
            } else {
                state.continuation = continuation
            }
        }
    }

    /// True if the operation may start (nobody gave up on it).
    func begin() -> Bool {
        state.withLock { state in
            guard state.phase == .waiting else { return false }
            state.phase = .running
            return true
        }
    }

    func finish(_ result: Result<T, TokenError>) {
        state.withLock { state in
            state.phase = .done
            Self.deliver(result, &state)
        }
    }

    /// Gives up waiting (deadline or cancellation); no effect once the operation started.
    func abandon(_ error: TokenError) {
        state.withLock { state in
            guard state.phase == .waiting else { return }
            state.phase = .done
            Self.deliver(.failure(error), &state)
        }
    }

    private static func deliver(_ result: Result<T, TokenError>, _ state: inout State) {
        if let continuation = state.continuation {
            continuation.resume(returning: result)
            state.continuation = nil
        } else {
            state.pending = result
        }
    }
}
