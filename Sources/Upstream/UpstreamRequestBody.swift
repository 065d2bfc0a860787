import NIOCore

/// A request body: nothing, bytes in memory, or a stream produced while the request is sent.
///
/// Streams are pulled with back-pressure: `UpstreamBodyWriter.write` returns only when the
/// connection can take more, so a body of any size passes through a bounded amount of memory.
public struct UpstreamRequestBody: Sendable {
    enum Storage: Sendable {
        case bytes(ByteBuffer)
        case stream(length: Int?, @Sendable (UpstreamBodyWriter) async throws -> Void)
    }

    let storage: Storage?

    /// No body.
    public static let empty = UpstreamRequestBody(storage: nil)

    /// A body already in memory.
    public static func bytes(_ buffer: ByteBuffer) -> UpstreamRequestBody {
        UpstreamRequestBody(storage: .bytes(buffer))
    }

    /// A UTF-8 text body.
    public static func string(_ text: String) -> UpstreamRequestBody {
        .bytes(ByteBuffer(string: text))
    }

    /// A body written by `produce`; `length` becomes `Content-Length` (`nil` sends it chunked).
    /// Writing more or fewer bytes than `length` fails the request.
    public static func stream(length: Int?,
                              _ produce: @escaping @Sendable (UpstreamBodyWriter) async throws -> Void) -> UpstreamRequestBody {
        UpstreamRequestBody(storage: .stream(length: length, produce))
    }

    /// A body taken from an async sequence of buffers.
    public static func sequence<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, length: Int?) -> UpstreamRequestBody
    where Chunks.Element == ByteBuffer {
        .stream(length: length) { writer in
            for try await chunk in chunks { try await writer.write(chunk) }
        }
    }

    /// `Content-Length`, or `nil` for chunked.
    var length: Int? {
        switch storage {
        case .none: return 0
        case .bytes(let buffer): return buffer.readableBytes
        case .stream(let length, _): return length
        }
    }

    /// Streams can be consumed once only.
    var isReplayable: Bool {
        if case .stream = storage { return false }
        return true
    }
}

/// Handed to a streaming body's producer: each `write` waits until the connection can take more.
public struct UpstreamBodyWriter: Sendable {
    let writeChunk: @Sendable (ByteBuffer) async throws -> Void

    /// Sends `buffer`, suspending while the connection's send buffer is full.
    public func write(_ buffer: ByteBuffer) async throws {
        try await writeChunk(buffer)
    }
}
