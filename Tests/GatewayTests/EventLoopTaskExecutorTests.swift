import Dispatch
import NIOCore
import NIOPosix
import Testing
@testable import Gateway

/// The gateway's tasks run on NIO's event loops, including after a resumption from another thread
/// (the audit commit queue resumes callers from its own) and in child tasks; without the
/// preference the same code runs on Swift's own pool.
@Suite struct EventLoopTaskExecutorTests {
    /// Whether the current thread is one of the singleton group's event loops.
    private static func onSingletonLoop() -> Bool {
        MultiThreadedEventLoopGroup.currentEventLoop.map { loop in
            MultiThreadedEventLoopGroup.singleton.makeIterator().contains { $0 === loop }
        } ?? false
    }

    /// Resumes the caller from a Dispatch queue, as the audit commit queue does.
    private static func resumeFromAnotherThread() async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume() }
        }
    }

    @Test func jobsRunOnTheEventLoopsEvenWhenResumedFromElsewhere() async {
        let observed = await withTaskExecutorPreference(EventLoopTaskExecutor.singleton) {
            var onLoop = [Self.onSingletonLoop()]
            await Self.resumeFromAnotherThread()
            onLoop.append(Self.onSingletonLoop())
            let children = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        await Self.resumeFromAnotherThread()
                        return Self.onSingletonLoop()
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            return onLoop + children
        }
        #expect(observed == Array(repeating: true, count: 10))
    }

    @Test func withoutThePreferenceTheSameCodeRunsOffTheLoops() async {
        await Self.resumeFromAnotherThread()
        #expect(!Self.onSingletonLoop(), "the check above would pass for any thread")
    }
}
