import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP as an async sequence: with `Type=notify-reload` (systemd 253+) `systemctl reload` sends
/// it instead of running `gosgatectl reload`, and the default action would end the daemon.
///
/// systemd may send SIGHUP as soon as READY=1 has arrived, possibly before the admin server reads
/// the stream; `catchFromNow()` (called while the daemon starts) takes the signal over at once and
/// keeps one that arrives before `stream()` for it.
enum HangupSignals {
    private struct Delivery {
        var continuation: AsyncStream<Void>.Continuation?
        /// Counts streams, so that an ended one does not detach a newer one.
        var generation = 0
        var pending = false
    }

    private static let delivery = Mutex(Delivery())

    /// Installed on first use and kept for the life of the process. Dispatch sources are
    /// thread-safe; the type just is not marked Sendable.
    nonisolated(unsafe) private static let source: any DispatchSourceSignal = {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "gosgate.admin.sighup"))
        source.setEventHandler {
            delivery.withLock { delivery in
                if let continuation = delivery.continuation {
                    continuation.yield()
                } else {
                    delivery.pending = true
                }
            }
        }
        source.resume()
        return source
    }()

    /// From now on SIGHUP no longer ends the process; each one goes to `stream()`.
    static func catchFromNow() {
        _ = source
    }

    /// Each SIGHUP from now on, and one caught earlier by `catchFromNow()`, until the consuming
    /// task is cancelled. One consumer at a time.
    static func stream() -> AsyncStream<Void> {
        catchFromNow()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let generation = delivery.withLock { delivery in
            delivery.generation += 1
            delivery.continuation = continuation
            if delivery.pending {
                delivery.pending = false
                continuation.yield()
            }
            return delivery.generation
        }
        continuation.onTermination = { _ in
            delivery.withLock { delivery in
                if delivery.generation == generation { delivery.continuation = nil }
            }
        }
        return stream
    }
}
