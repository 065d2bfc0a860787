import Logging

/// Pings the systemd watchdog (`WatchdogSec=`) at half its interval, and only while a health check
/// passes, so that systemd restarts a service that is alive but no longer doing its job.
///
/// A bare timer would keep pinging from a process whose event loops are wedged or whose token
/// manager has stalled. Here the health check decides: gosgated passes one that asks every event
/// loop to run a task and asks the token manager whether it made progress. A check that never
/// returns also stops the pings, which is what should happen.
public struct Watchdog<WatchdogClock: Clock>: Sendable where WatchdogClock.Duration == Duration {
    /// Where the pings go.
    public let notifier: ServiceNotifier
    /// Half the watchdog interval: the time between pings.
    public let pingInterval: Duration
    private let clock: WatchdogClock
    private let logger: Logger?
    private let isHealthy: @Sendable () async -> Bool

    /// A watchdog for `interval` (normally `notifier.watchdogInterval`), timed by `clock`.
    public init(notifier: ServiceNotifier, interval: Duration, clock: WatchdogClock, logger: Logger? = nil,
                isHealthy: @escaping @Sendable () async -> Bool) {
        self.notifier = notifier
        self.pingInterval = interval / 2
        self.clock = clock
        self.logger = logger
        self.isHealthy = isHealthy
    }

    /// Checks, pings when healthy, waits `pingInterval`, and again, until the task is cancelled.
    public func run() async {
        var deadline = clock.now
        var wasHealthy = true
        var lastSendError: NotifyError?
        while !Task.isCancelled {
            let healthy = await isHealthy()
            if Task.isCancelled { return }
            if healthy {
                do {
                    try notifier.watchdogPing()
                    lastSendError = nil
                } catch {
                    if error != lastSendError {
                        logger?.error("watchdog ping not delivered: \(error)")
                    }
                    lastSendError = error
                }
            }
            if healthy != wasHealthy {
                if healthy {
                    logger?.notice("health check passes again; watchdog pings resumed")
                } else {
                    logger?.warning("health check failed; watchdog pings paused, systemd restarts the service if this lasts WatchdogSec",
                                    metadata: ["message_id": .string(JournalMessageID.watchdogPaused)])
                }
                wasHealthy = healthy
            }
            // Deadlines on a fixed grid, so a slow check does not push every later ping back.
            deadline = deadline.advanced(by: pingInterval)
            let now = clock.now
            if deadline < now { deadline = now }
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return
            }
        }
    }
}

extension Watchdog where WatchdogClock == ContinuousClock {
    /// A watchdog for the interval systemd asked for, or nil when the unit has no `WatchdogSec=`.
    public init?(notifier: ServiceNotifier, logger: Logger? = nil,
                 isHealthy: @escaping @Sendable () async -> Bool) {
        guard let interval = notifier.watchdogInterval else { return nil }
        self.init(notifier: notifier, interval: interval, clock: ContinuousClock(), logger: logger,
                  isHealthy: isHealthy)
    }
}
