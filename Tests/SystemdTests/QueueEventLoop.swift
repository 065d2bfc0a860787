import Dispatch
import NIOCore
import Synchronization

/// A minimal NIO event loop on a serial dispatch queue, so the probe can be tested against a loop
/// the test can wedge (by blocking its queue) without NIOPosix.
final class QueueEventLoop: EventLoop, @unchecked Sendable {
    // @unchecked: only the immutable queue and its key are stored.

    private let queue: DispatchQueue
    private let key = DispatchSpecificKey<Bool>()

    init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: key, value: true)
    }

    var inEventLoop: Bool { DispatchQueue.getSpecific(key: key) == true }

    func execute(_ task: @escaping @Sendable () -> Void) {
        queue.async(execute: task)
    }

    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(in: deadline - .now(), task)
    }

    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise = makePromise(of: T.self)
        let cancelled = Mutex(false)
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(max(delay.nanoseconds, 0)))) {
            guard !cancelled.withLock({ $0 }) else { return }
            // Runs on this loop, where the promise may be completed with any value.
            promise.assumeIsolatedUnsafeUnchecked().completeWith(Result { try task() })
        }
        return Scheduled(promise: promise) {
            cancelled.withLock { $0 = true }
            promise.fail(EventLoopError.cancelled)
        }
    }

    func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, file: file, line: line)
    }

    func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, file: file, line: line)
    }

    func shutdownGracefully(queue callbackQueue: DispatchQueue, _ callback: @escaping @Sendable (Error?) -> Void) {
        callbackQueue.async { callback(nil) }
    }
}

/// Several `QueueEventLoop`s as one group.
final class QueueEventLoopGroup: EventLoopGroup, @unchecked Sendable {
    // @unchecked: `loops` never changes after init.

    let loops: [QueueEventLoop]

    init(count: Int) {
        loops = (0..<count).map { QueueEventLoop(label: "probe-loop-\($0)") }
    }

    func next() -> any EventLoop { loops[0] }

    func makeIterator() -> EventLoopIterator { EventLoopIterator(loops) }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable (Error?) -> Void) {
        queue.async { callback(nil) }
    }
}
