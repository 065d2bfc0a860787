#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Tells systemd what the service is doing, over the `sd_notify` datagram protocol.
///
/// systemd passes the socket in `NOTIFY_SOCKET` to `Type=notify` and `Type=notify-reload` services.
/// Without it (started by hand, in a container, in tests) every call is a quiet no-op, so callers
/// never branch on how they were started. Each call sends one datagram from a fresh socket, as
/// `sd_notify(3)` does; the kernel attaches the sender's credentials because systemd enables
/// `SO_PASSCRED` on its end, which is how systemd attributes the message to the main process.
///
/// The notifier reads its environment once, at `init`, so tests can hand it a socket of their own
/// without touching the process environment.
public struct ServiceNotifier: Sendable {
    /// The notification socket, or nil when not running under a notify-type unit.
    public let socketPath: String?
    /// How often systemd expects `WATCHDOG=1` at the latest (`WatchdogSec=`), or nil when the
    /// watchdog is off or `WATCHDOG_PID` names another process.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    /// - Parameter processID: this process; a `WATCHDOG_PID` naming another one disables the watchdog.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                processID: pid_t = getpid()) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(socketPath: path,
                  watchdogInterval: Self.watchdogInterval(environment: environment, processID: processID))
    }

    /// A notifier for an explicit socket; nil `socketPath` makes every call a no-op.
    public init(socketPath: String?, watchdogInterval: Duration? = nil) {
        self.socketPath = socketPath
        self.watchdogInterval = watchdogInterval
    }

    /// True when notifications go anywhere.
    public var isEnabled: Bool { socketPath != nil }

    /// `READY=1`: listeners are up and requests can be served. Send it once start-up is done and
    /// again after every reload.
    public func ready(status: String? = nil) throws(NotifyError) {
        try send([("READY", "1")] + Self.statusField(status))
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (which `Type=notify-reload` requires), at the start of
    /// a reload; finish it with `ready(status:)`.
    public func reloading(status: String? = nil) throws(NotifyError) {
        try send([("RELOADING", "1"), ("MONOTONIC_USEC", String(Self.monotonicMicroseconds()))]
                 + Self.statusField(status))
    }

    /// `STOPPING=1`: shutdown has begun (draining in-flight requests).
    public func stopping(status: String? = nil) throws(NotifyError) {
        try send([("STOPPING", "1")] + Self.statusField(status))
    }

    /// `STATUS=`: one line a person reads in `systemctl status`. Line breaks become spaces.
    public func status(_ line: String) throws(NotifyError) {
        try send(Self.statusField(line))
    }

    /// `WATCHDOG=1`: the keep-alive ping. Prefer `Watchdog`, which pings only while healthy.
    public func watchdogPing() throws(NotifyError) {
        try send([("WATCHDOG", "1")])
    }

    /// `EXTEND_TIMEOUT_USEC=`: asks for `duration` more before the start or stop timeout fires.
    public func extendTimeout(by duration: Duration) throws(NotifyError) {
        try send([("EXTEND_TIMEOUT_USEC", String(Self.microseconds(duration)))])
    }

    /// Sends `fields` as `NAME=value` lines in one datagram. Values lose line breaks, since the
    /// protocol is line-based.
    public func send(_ fields: [(String, String)]) throws(NotifyError) {
        guard let socketPath, !fields.isEmpty else { return }
        guard let address = UnixSocketAddress(socketPath) else { throw .invalidSocketAddress(socketPath) }
        let text = fields.map { name, value in "\(name)=\(Self.singleLine(value))\n" }.joined()
        let socket: DatagramSocket
        switch DatagramSocket.open() {
        case .success(let opened): socket = opened
        case .failure(let error): throw .socketUnavailable(error)
        }
        if case .failure(let error) = socket.send(Array(text.utf8), to: address) {
            throw .sendFailed(socketPath: socketPath, error)
        }
    }

    /// `CLOCK_MONOTONIC` in microseconds, the clock systemd compares `MONOTONIC_USEC` against.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    private static func statusField(_ status: String?) -> [(String, String)] {
        status.map { [("STATUS", $0)] } ?? []
    }

    private static func singleLine(_ value: String) -> String {
        value.contains(where: \.isNewline) ? String(value.map { $0.isNewline ? " " : $0 }) : value
    }

    private static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }

    private static func watchdogInterval(environment: [String: String], processID: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], owner != String(processID) { return nil }
        return .microseconds(Int64(clamping: usec))
    }
}
