import NIOCore
import Synchronization

/// Asks event loops to run a no-op task and reports whether they all did in time: the "event
/// loops answer" half of gosgated's watchdog health check. A loop stuck in a long computation or a
/// blocking call never runs the task, the probe says false, and `Watchdog` stops pinging.
public enum EventLoopProbe {
    /// True when every loop of `group` runs a task within `timeout`.
    public static func allAnswer(_ group: any EventLoopGroup, within timeout: Duration) async -> Bool {
        let loops = Array(group.makeIterator())
        return await withTaskGroup(of: Bool.self) { probes in
            for loop in loops {
                probes.addTask { await answers(loop, within: timeout) }
            }
            for await answered in probes where !answered {
                probes.cancelAll()
                return false
            }
            return true
        }
    }

    /// True when `loop` runs a task within `timeout`.
    public static func answers(_ loop: any EventLoop, within timeout: Duration) async -> Bool {
        let outcome = ProbeOutcome()
        return await withCheckedContinuation { continuation in
            outcome.arm(continuation)
            loop.execute { outcome.finish(true) }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                outcome.finish(false)
            }
            outcome.attach(timer)
        }
    }
}

/// Resumes the probe exactly once: with true from the loop, or with false from the timer,
/// whichever comes first; the loser finds nothing left to resume.
private final class ProbeOutcome: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Bool, Never>?
        var timer: Task<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func arm(_ continuation: CheckedContinuation<Bool, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func attach(_ timer: Task<Void, Never>) {
        let alreadyFinished = state.withLock { state -> Bool in
            state.timer = timer
            return state.finished
        }
        if alreadyFinished { timer.cancel() }
    }

    func finish(_ answered: Bool) {
        let (continuation, timer) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, Task<Void, Never>?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            defer { state.continuation = nil }
            return (state.continuation, state.timer)
        }
        timer?.cancel()
        continuation?.resume(returning: answered)
    }
}
