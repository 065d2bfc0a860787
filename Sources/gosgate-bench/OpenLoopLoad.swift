import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An open-loop HTTP/1.1 load generator: requests leave at a fixed rate whatever the server does,
/// and each latency is measured from the moment the request was due, not from when a connection
/// became free, so a stalled server shows up in the tail instead of slowing the generator down
/// ("coordinated omission"). One event loop thread, keep-alive connections, one request in flight
/// per connection; a new connection is opened only when every open one is busy.
struct OpenLoopLoad {
    /// Where the requests go.
    struct Target: Sendable {
        let port: Int
        let path: String
        let headers: [(String, String)]
    }

    /// What one run measured.
    struct Outcome: Sendable {
        /// Latencies in microseconds of the requests sent after the warm-up, sorted.
        let latencies: [Double]
        /// Answers that were not 2xx, or connections that failed.
        let failures: Int
        /// Connections open at the end (more than the initial ones means the server fell behind).
        let connections: Int

        /// The latency below which `fraction` of the requests finished, in microseconds.
        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let index = min(latencies.count - 1, max(0, Int((fraction * Double(latencies.count)).rounded(.up)) - 1))
            return latencies[index]
        }
    }

    let target: Target
    let rate: Int
    let warmup: Duration
    let duration: Duration
    let initialConnections: Int

    /// Runs the load and returns the latencies; the generator's own loop thread ends with it.
    func run() async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let outcome: Result<Outcome, any Error>
        do {
            let schedule = try await loop.submit {
                OpenLoopSchedule(loop: loop, target: target, rate: rate, warmup: warmup, duration: duration)
            }.get()
            outcome = .success(try await loop.flatSubmit { schedule.start(initialConnections: initialConnections) }.get())
        } catch {
            outcome = .failure(error)
        }
        try? await group.shutdownGracefully()
        return try outcome.get()
    }
}
