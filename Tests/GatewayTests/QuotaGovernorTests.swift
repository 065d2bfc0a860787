import Foundation
import Gateway
import Synchronization
import Testing

@Suite struct QuotaGovernorTests {
    /// A one-second window keeps the test short while exercising real waiting.
    let window = QuotaWindow(name: "second", limit: 3, length: 1)

    func counter(_ scope: String = "test/org") -> QuotaGovernor.Counter {
        QuotaGovernor.Counter(scope: scope, window: window)
    }

    @Test func admitsUpToTheLimitThenQueuesUntilTheNextWindow() async throws {
        let governor = QuotaGovernor()
        let start = Date()
        var admissions: [QuotaGovernor.Admission] = []
        for _ in 0..<3 {
            admissions.append(try await governor.admit([counter()], client: "erp", pauseScope: "test/org",
                                                       deadline: start.addingTimeInterval(5)))
        }
        #expect(admissions.map(\.remaining) == [2, 1, 0])
        // The fourth waits for the next one-second window instead of failing.
        let fourth = try await governor.admit([counter()], client: "erp", pauseScope: "test/org",
                                              deadline: Date().addingTimeInterval(5))
        #expect(fourth.waited > 0)
        #expect(window.limit - fourth.remaining >= 1)
    }

    @Test func theDeadlineTurnsWaitingIntoARetryAfter() async throws {
        let governor = QuotaGovernor()
        let long = QuotaWindow(name: "minute", limit: 1, length: 60)
        let counter = QuotaGovernor.Counter(scope: "s", window: long)
        _ = try await governor.admit([counter], client: "a", pauseScope: "s", deadline: Date().addingTimeInterval(1))
        do throws(QuotaGovernor.QueueTimeout) {
            _ = try await governor.admit([counter], client: "a", pauseScope: "s", deadline: Date().addingTimeInterval(0.2))
            Issue.record("admitted past a 1-per-minute limit")
        } catch {
            #expect(error.window == "minute")
            #expect(error.retryAfter >= 1 && error.retryAfter <= 60)
        }
        #expect(await governor.queueDepth() == 0)
    }

    @Test func queuedClientsAreServedRoundRobin() async throws {
        let governor = QuotaGovernor()
        let oneAtATime = QuotaWindow(name: "slot", limit: 1, length: 0.5)
        let counter = QuotaGovernor.Counter(scope: "s", window: oneAtATime)
        // Start just after a window opens, so every call below is queued before the next one.
        let intoWindow = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 0.5)
        try await Task.sleep(for: .milliseconds(Int((0.5 - intoWindow) * 1000) + 20))
        _ = try await governor.admit([counter], client: "busy", pauseScope: "s", deadline: Date().addingTimeInterval(5))
        let order = ServedOrder()
        await withTaskGroup(of: Void.self) { group in
            // "busy" queues five calls before "quiet" queues one; "quiet" must not wait behind all five.
            for index in 0..<5 {
                group.addTask {
                    _ = try? await governor.admit([counter], client: "busy", pauseScope: "s", deadline: Date().addingTimeInterval(5))
                    order.append("busy\(index)")
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
            group.addTask {
                _ = try? await governor.admit([counter], client: "quiet", pauseScope: "s", deadline: Date().addingTimeInterval(5))
                order.append("quiet")
            }
        }
        let served = order.all
        #expect(served.count == 6)
        let quietPosition = try #require(served.firstIndex(of: "quiet"))
        #expect(quietPosition <= 1, "quiet client served at position \(quietPosition): \(served)")
    }

    @Test func anUpstream429PausesTheIdentity() async throws {
        let governor = QuotaGovernor()
        await governor.pause("test/org", until: Date().addingTimeInterval(0.5))
        let started = Date()
        _ = try await governor.admit([counter()], client: "erp", pauseScope: "test/org", deadline: Date().addingTimeInterval(3))
        #expect(Date().timeIntervalSince(started) >= 0.45)
        // Another identity is not paused.
        let other = Date()
        _ = try await governor.admit([counter("test/other")], client: "erp", pauseScope: "test/other",
                                     deadline: Date().addingTimeInterval(3))
        #expect(Date().timeIntervalSince(other) < 0.4)
    }

    @Test func countsSurviveARestartThroughSnapshots() async throws {
        let hour = QuotaWindow(name: "hour", limit: 2, length: 3600)
        let counter = QuotaGovernor.Counter(scope: "test/org", window: hour)
        let first = QuotaGovernor()
        _ = try await first.admit([counter], client: "erp", pauseScope: "p", deadline: Date().addingTimeInterval(1))
        _ = try await first.admit([counter], client: "erp", pauseScope: "p", deadline: Date().addingTimeInterval(1))
        let snapshots = await first.takeDirtySnapshots()
        #expect(snapshots.map(\.count) == [2])

        let restarted = QuotaGovernor(restoring: snapshots)
        #expect(await restarted.used(counter) == 2)
        await #expect(throws: QuotaGovernor.QueueTimeout.self) {
            try await restarted.admit([counter], client: "erp", pauseScope: "p", deadline: Date().addingTimeInterval(0.1))
        }
    }

    @Test func epguDefaultsAreTheDocumentedOnes() {
        let windows = QuotaWindow.epguSystemLimits(perMinute: 2000, perHour: 120_000, perDay: 2_880_000)
        #expect(windows.map(\.limit) == [2000, 120_000, 2_880_000])
        #expect(windows.map(\.length) == [60, 3600, 86_400])
        #expect(QuotaWindow.orders(limit: 20).length == 600)
    }
}

/// Records the order in which queued calls were admitted.
final class ServedOrder: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    var all: [String] { names.withLock { $0 } }
}
