import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP as an async sequence: with `Type=notify-reload` (systemd 253+) `systemctl reload` sends
/// it instead of running `gosgatectl reload`, and the default action would end the daemon.
enum HangupSignals {
    /// Each SIGHUP from now on, until the consuming task is cancelled.
    static func stream() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        signal(SIGHUP, SIG_IGN)
        // Dispatch sources may be cancelled from any thread; the type just is not marked Sendable.
        nonisolated(unsafe) let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "gosgate.admin.sighup"))
        source.setEventHandler { continuation.yield() }
        continuation.onTermination = { _ in source.cancel() }
        source.resume()
        return stream
    }
}
