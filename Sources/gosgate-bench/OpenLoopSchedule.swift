import NIOCore
import NIOHTTP1
import NIOPosix

/// The state of one `OpenLoopLoad` run: due times, idle connections, latencies; touched only on its event loop.
final class OpenLoopSchedule: @unchecked Sendable {
    // @unchecked: every method runs on `loop` (asserted), so there is no concurrent access.
    private let loop: any EventLoop
    private let target: OpenLoopLoad.Target
    private let interval: Int64
    private let measureFrom: NIODeadline
    private let stopAt: NIODeadline
    private let finished: EventLoopPromise<OpenLoopLoad.Outcome>
    private let request: HTTPRequestHead
    private var idle: [Channel] = []
    private var all: [Channel] = []
    private var due: NIODeadline
    private var inFlight = 0
    private var latencies: [Double] = []
    private var failures = 0
    private var sendingStopped = false

    init(loop: any EventLoop, target: OpenLoopLoad.Target, rate: Int, warmup: Duration, duration: Duration) {
        self.loop = loop
        self.target = target
        interval = 1_000_000_000 / Int64(max(1, rate))
        let start = NIODeadline.now() + .milliseconds(200)
        due = start
        measureFrom = start + TimeAmount(warmup)
        stopAt = measureFrom + TimeAmount(duration)
        finished = loop.makePromise()
        var headers = HTTPHeaders([("Host", "127.0.0.1:\(target.port)")])
        for (name, value) in target.headers { headers.add(name: name, value: value) }
        request = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers)
        latencies.reserveCapacity(Int(Int64(rate) * (duration.components.seconds + 1)))
    }

    func start(initialConnections: Int) -> EventLoopFuture<OpenLoopLoad.Outcome> {
        loop.preconditionInEventLoop()
        let opening = (0..<max(1, initialConnections)).map { _ in connect() }
        EventLoopFuture.andAllSucceed(opening, on: loop).whenComplete { result in
            switch result {
            case .success:
                self.idle = self.all
                self.scheduleNext()
            case .failure(let error):
                self.finished.fail(error)
            }
        }
        return finished.futureResult
    }

    private func connect() -> EventLoopFuture<Channel> {
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(OpenLoopResponseTimer(schedule: self))
                }
            }
            .connect(host: "127.0.0.1", port: target.port)
            .map { channel in
                self.all.append(channel)
                return channel
            }
    }

    /// Sends every request that is due (catching up if the loop was late), then sleeps until the next.
    private func scheduleNext() {
        loop.scheduleTask(deadline: due) {
            let now = NIODeadline.now()
            while self.due <= now, self.due < self.stopAt {
                self.send(dueAt: self.due)
                self.due = self.due + .nanoseconds(self.interval)
            }
            if self.due < self.stopAt {
                self.scheduleNext()
            } else {
                self.sendingStopped = true
                self.finishIfDone()
            }
        }
    }

    private func send(dueAt: NIODeadline) {
        inFlight += 1
        if let channel = idle.popLast(), channel.isActive {
            write(on: channel, dueAt: dueAt)
        } else {
            connect().whenComplete { result in
                switch result {
                case .success(let channel): self.write(on: channel, dueAt: dueAt)
                case .failure: self.completed(dueAt: dueAt, channel: nil, success: false)
                }
            }
        }
    }

    private func write(on channel: Channel, dueAt: NIODeadline) {
        (try? channel.pipeline.syncOperations.handler(type: OpenLoopResponseTimer.self))?.expect(dueAt: dueAt)
        channel.write(HTTPClientRequestPart.head(request), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// Called by a connection's `OpenLoopResponseTimer` when an answer ended (or the connection broke).
    func completed(dueAt: NIODeadline, channel: Channel?, success: Bool) {
        loop.preconditionInEventLoop()
        inFlight -= 1
        if dueAt >= measureFrom {
            if success {
                latencies.append(Double((NIODeadline.now() - dueAt).nanoseconds) / 1000)
            } else {
                failures += 1
            }
        }
        if let channel, success { idle.append(channel) }
        finishIfDone()
    }

    /// Called when a connection closed: it is no longer offered for requests.
    func closed(_ channel: Channel) {
        loop.preconditionInEventLoop()
        idle.removeAll { $0 === channel }
    }

    private func finishIfDone() {
        guard sendingStopped, inFlight == 0 else { return }
        let outcome = OpenLoopLoad.Outcome(latencies: latencies.sorted(), failures: failures, connections: all.count)
        let closing = all.map { $0.close() }
        EventLoopFuture.whenAllComplete(closing, on: loop).whenComplete { _ in self.finished.succeed(outcome) }
    }
}
