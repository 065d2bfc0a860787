import Foundation
import Synchronization
import Systemd
import Testing

/// `WATCHDOG=1` cadence and gating: pings every half interval while healthy, none while not.
@Suite struct WatchdogTests {
    @Test func pingsAtHalfTheIntervalOnlyWhileTheHealthCheckPasses() async throws {
        let listener = try DatagramListener()
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "20000000"])
        let interval = try #require(notifier.watchdogInterval)
        let clock = ManualClock()
        let healthy = Mutex(true)
        let checks = Mutex(0)
        let watchdog = Watchdog(notifier: notifier, interval: interval, clock: clock) {
            checks.withLock { $0 += 1 }
            return healthy.withLock { $0 }
        }
        #expect(watchdog.pingInterval == .seconds(10))

        let task = Task { await watchdog.run() }
        defer { task.cancel() }

        // First check and ping right away, then one per 10 s of clock time.
        await clock.waitForSleepers()
        #expect(await listener.receive()?.text == "WATCHDOG=1\n")
        for tick in 1...3 {
            clock.advance(by: .seconds(9))
            #expect(await listener.receive(timeout: 0.2) == nil, "no ping before half the interval (tick \(tick))")
            clock.advance(by: .seconds(1))
            #expect(await listener.receive()?.text == "WATCHDOG=1\n", "ping at half the interval (tick \(tick))")
            await clock.waitForSleepers()
        }

        // Unhealthy: the check still runs every tick, but nothing is sent.
        healthy.withLock { $0 = false }
        let checksBefore = checks.withLock { $0 }
        for _ in 1...3 {
            clock.advance(by: .seconds(10))
            await clock.waitForSleepers()
        }
        #expect(checks.withLock { $0 } == checksBefore + 3)
        #expect(listener.drain().isEmpty)

        // Healthy again: pings resume on the next tick.
        healthy.withLock { $0 = true }
        clock.advance(by: .seconds(10))
        #expect(await listener.receive()?.text == "WATCHDOG=1\n")
    }

    @Test func aHealthCheckThatNeverAnswersStopsThePings() async throws {
        let listener = try DatagramListener()
        let notifier = ServiceNotifier(socketPath: listener.path)
        let clock = ManualClock()
        let calls = Mutex(0)
        let watchdog = Watchdog(notifier: notifier, interval: .seconds(2), clock: clock) {
            let call = calls.withLock { value -> Int in
                value += 1
                return value
            }
            if call == 1 { return true }
            // A wedged event loop: the check hangs until the task is torn down.
            try? await Task.sleep(for: .seconds(3600))
            return true
        }
        let task = Task { await watchdog.run() }
        await clock.waitForSleepers()
        #expect(await listener.receive()?.text == "WATCHDOG=1\n")
        for _ in 1...5 { clock.advance(by: .seconds(1)) }
        #expect(await listener.receive(timeout: 0.3) == nil)
        task.cancel()
        await task.value
    }

    @Test func realClockWatchdogFromTheEnvironmentKeepsPinging() async throws {
        let listener = try DatagramListener()
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "200000"])
        let watchdog = try #require(Watchdog(notifier: notifier) { true })
        let task = Task { await watchdog.run() }
        defer { task.cancel() }
        for _ in 1...3 {
            #expect(await listener.receive()?.text == "WATCHDOG=1\n")
        }
        #expect(Watchdog(notifier: ServiceNotifier(environment: [:])) { true } == nil)
    }
}
