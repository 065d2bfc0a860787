import Foundation
import GOST
import NIOCore
import Synchronization

/// Streebog-256 of a body as it passes through, plus its length and first bytes (for the order id).
final class BodyDigest: Sendable {
    private struct State {
        var hasher: StreebogHasher?
        var length = 0
        var prefix = Data()
    }

    private let state: Mutex<State>
    private let prefixLimit: Int

    init(keepingPrefix prefixLimit: Int = 0) {
        self.prefixLimit = prefixLimit
        state = Mutex(State(hasher: try? StreebogHasher(size: .bits256)))
    }

    func update(_ buffer: ByteBuffer) {
        state.withLock { state in
            buffer.withUnsafeReadableBytes { bytes in
                try? state.hasher?.update(bytes)
                if state.prefix.count < prefixLimit {
                    state.prefix.append(contentsOf: bytes.prefix(prefixLimit - state.prefix.count))
                }
            }
            state.length += buffer.readableBytes
        }
    }

    var length: Int { state.withLock { $0.length } }
    var prefix: Data { state.withLock { $0.prefix } }

    /// Uppercase hex digest, or "unavailable" if the engine failed (never blocks proxying).
    func finish() -> String {
        state.withLock { state in
            guard let digest = try? state.hasher?.finalize() else { return "unavailable" }
            return digest.hexString
        }
    }
}

/// Wraps a request body stream: counts bytes against the limit and feeds the digest, pulling one
/// chunk at a time so back-pressure reaches the client. Past the limit it throws, and the digest's
/// length (then above the limit) tells the proxy why the upstream request failed.
struct MeteredBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: ByteStream
    let limit: Int
    let digest: BodyDigest

    /// The body grew past the limit while streaming.
    struct TooLarge: Error {}

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: any AsyncIteratorProtocol<ByteBuffer, any Error>
        let limit: Int
        let digest: BodyDigest

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            digest.update(chunk)
            if digest.length > limit { throw TooLarge() }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, digest: digest)
    }
}
