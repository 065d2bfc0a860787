import NIOCore

/// A response body as an async sequence of buffers, pulled with back-pressure: while the consumer
/// does not ask for more, the connection stops reading from the socket.
public struct UpstreamResponseBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, HTTPExchangeHandler.Delegate
    >

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        /// The next buffer, `nil` at the end; throws `UpstreamError` when the body cannot be completed.
        public mutating func next() async throws -> ByteBuffer? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// Reads the whole body into one buffer, failing once it grows past `limit` bytes.
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var result = ByteBuffer()
        for try await var chunk in self {
            guard result.readableBytes + chunk.readableBytes <= limit else { throw UpstreamError.responseTooLarge(limit: limit) }
            result.writeBuffer(&chunk)
        }
        return result
    }
}
