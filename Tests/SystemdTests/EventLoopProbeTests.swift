import Dispatch
import Systemd
import Testing

/// The "event loops answer" health check the watchdog is gated on.
@Suite struct EventLoopProbeTests {
    @Test func answeringLoopsPassAndAWedgedLoopFails() async {
        let group = QueueEventLoopGroup(count: 3)
        #expect(await EventLoopProbe.allAnswer(group, within: .seconds(5)))

        // Wedge one loop: its queue is blocked until the test releases it.
        let release = DispatchSemaphore(value: 0)
        group.loops[1].execute { release.wait() }
        #expect(await !EventLoopProbe.allAnswer(group, within: .milliseconds(300)))
        #expect(await EventLoopProbe.answers(group.loops[0], within: .seconds(5)))
        #expect(await !EventLoopProbe.answers(group.loops[1], within: .milliseconds(100)))

        release.signal()
        #expect(await EventLoopProbe.allAnswer(group, within: .seconds(5)))
    }

    @Test func aWatchdogGatedOnTheProbeStopsPingingWhenALoopWedges() async throws {
        let listener = try DatagramListener()
        let group = QueueEventLoopGroup(count: 2)
        let clock = ManualClock()
        let watchdog = Watchdog(notifier: ServiceNotifier(socketPath: listener.path), interval: .seconds(2), clock: clock) {
            await EventLoopProbe.allAnswer(group, within: .milliseconds(300))
        }
        let task = Task { await watchdog.run() }
        defer { task.cancel() }
        await clock.waitForSleepers()
        #expect(await listener.receive()?.text == "WATCHDOG=1\n")

        let release = DispatchSemaphore(value: 0)
        group.loops[0].execute { release.wait() }
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers()
        #expect(listener.drain().isEmpty)

        release.signal()
        clock.advance(by: .seconds(1))
        #expect(await listener.receive()?.text == "WATCHDOG=1\n")
    }
}
