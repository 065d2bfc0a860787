import NIOCore
import NIOHTTP1
import TLS

/// One pooled HTTP/1.1 connection to an origin: the channel, its exchange handler and its TLS summary.
final class UpstreamConnection: Sendable {
    /// Thrown by `execute` when the connection died while pooled: nothing was sent, so any request
    /// may be retried on another connection.
    struct Stale: Error {}

    let channel: Channel
    let origin: Origin
    let tls: TLSHandshakeCompleted?
    private let handler: NIOLoopBound<HTTPExchangeHandler>

    /// Adds the HTTP codec and exchange handler on top of an open (and TLS-ready) channel.
    static func make(from connected: UpstreamConnector.Connection, origin: Origin,
                     timeouts: HTTPExchangeHandler.Timeouts,
                     onReusable: @escaping @Sendable (UpstreamConnection) -> Void) async throws -> UpstreamConnection {
        let channel = connected.channel
        let handler = try await channel.eventLoop.submit {
            let handler = HTTPExchangeHandler(origin: origin, timeouts: timeouts, eventLoop: channel.eventLoop)
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(handler)
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        let connection = UpstreamConnection(channel: channel, origin: origin, tls: connected.tls, handler: handler)
        try await channel.eventLoop.submit {
            handler.value.onReusable = { [weak connection] in
                if let connection { onReusable(connection) }
            }
        }.get()
        return connection
    }

    private init(channel: Channel, origin: Origin, tls: TLSHandshakeCompleted?, handler: NIOLoopBound<HTTPExchangeHandler>) {
        self.channel = channel
        self.origin = origin
        self.tls = tls
        self.handler = handler
    }

    /// Sends `request` and returns once the response head is in; the body streams afterwards.
    /// - Throws: `Stale` (nothing sent) or `UpstreamError`.
    func execute(_ request: UpstreamRequest, reused: Bool) async throws -> UpstreamResponse {
        let loop = channel.eventLoop
        let handler = self.handler
        let headPromise = loop.makePromise(of: HTTPExchangeHandler.ResponseStart.self)
        guard try await loop.submit({ handler.value.begin(headPromise) }).get() else {
            headPromise.fail(Stale())
            throw Stale()
        }

        channel.write(HTTPClientRequestPart.head(request.head), promise: nil)
        switch request.body.storage {
        case .none:
            endRequest()
        case .bytes(let buffer):
            channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
            endRequest()
        case .stream(let length, let produce):
            channel.flush()
            let handler = self.handler
            Task {
                do {
                    try await Self.stream(produce, length: length, handler: handler)
                    self.endRequest()
                } catch {
                    let failure = error as? UpstreamError ?? .requestBodyFailed("\(error)")
                    loop.execute { handler.value.fail(failure) }
                }
            }
        }
        // A caller that gives up abandons the connection: it cannot be reused mid-exchange.
        let channel = self.channel
        let start = try await withTaskCancellationHandler {
            try await headPromise.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        return UpstreamResponse(status: start.head.status, headers: start.head.headers, body: start.body,
                                tls: tls, reusedConnection: reused)
    }

    private func endRequest() {
        let handler = self.handler
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        channel.eventLoop.execute { handler.value.requestEnded() }
    }

    /// Pulls the body from its producer, one chunk at a time, as fast as the connection drains.
    private static func stream(_ produce: @Sendable (UpstreamBodyWriter) async throws -> Void, length: Int?,
                               handler: NIOLoopBound<HTTPExchangeHandler>) async throws {
        let counter = ByteCounter()
        let writer = UpstreamBodyWriter { chunk in
            guard chunk.readableBytes > 0 else { return }
            let total = counter.add(chunk.readableBytes)
            if let length, total > length {
                throw UpstreamError.requestBodyFailed("body is longer than its Content-Length \(length)")
            }
            try await handler.eventLoop.flatSubmit { handler.value.sendBodyPart(chunk) }.get()
        }
        try await produce(writer)
        if let length, counter.total != length {
            throw UpstreamError.requestBodyFailed("body ended after \(counter.total) of \(length) announced bytes")
        }
    }

    /// Bytes written so far by a body producer (its writes are sequential).
    private final class ByteCounter: @unchecked Sendable {
        // @unchecked: a producer awaits each write before the next, so there is no concurrent access.
        private(set) var total = 0

        func add(_ count: Int) -> Int {
            total += count
            return total
        }
    }
}
