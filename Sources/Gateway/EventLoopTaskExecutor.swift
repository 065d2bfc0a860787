import NIOCore
import NIOPosix

/// A task executor that runs Swift concurrency jobs on the event loops of a NIO group.
///
/// A proxied call moves between the inbound HTTP channel, the gateway's own tasks and actors, and
/// the upstream client several times. With Swift's default pool those are separate threads, and
/// every move is a thread wake-up. Preferring this executor keeps a job on the event loop that
/// enqueued it (`any()` is sticky to the current loop), so a call mostly stays on one thread.
/// Blocking work does not belong here: token operations run on the token worker's own queue.
final class EventLoopTaskExecutor: TaskExecutor {
    /// The executor over `MultiThreadedEventLoopGroup.singleton`. It lives as long as the process:
    /// tasks hold their preferred executor unowned, and a task may outlive the scope that set it.
    static let singleton = EventLoopTaskExecutor(group: .singleton)

    private let group: MultiThreadedEventLoopGroup

    private init(group: MultiThreadedEventLoopGroup) {
        self.group = group
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        group.any().execute { job.runSynchronously(on: executor) }
    }
}
