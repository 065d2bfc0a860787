import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Upstream

/// `EPGUClient` over the `Upstream` pool (GOST TLS per origin, keep-alive, streaming both ways).
public struct UpstreamEPGUClient: EPGUClient {
    private let upstream: UpstreamClient

    public init(upstream: UpstreamClient) {
        self.upstream = upstream
    }

    public func execute(_ request: EPGURequest) async throws(EPGUClientError) -> EPGUResponse {
        let origin: Origin
        do {
            origin = try Origin.split(request.origin.absoluteString).origin
        } catch {
            throw .unreachable("the configured EPGU origin \(request.origin) is not usable: \(error)")
        }
        let body: UpstreamRequestBody
        switch request.body {
        case .none: body = .empty
        case .buffered(let buffer): body = .bytes(buffer)
        case .stream(let length, let chunks): body = .sequence(ErasedByteStream(chunks), length: length)
        }
        let upstreamRequest = UpstreamRequest(method: HTTPMethod(rawValue: request.method.rawValue), origin: origin,
                                              target: request.pathAndQuery, headers: HTTPHeaders(request.headers),
                                              body: body)
        do {
            let response = try await upstream.execute(upstreamRequest)
            return EPGUResponse(status: HTTPResponse.Status(code: Int(response.status.code)),
                                headers: HTTPFields(response.headers), body: response.body)
        } catch {
            switch error {
            case .responseHeadTimeout, .connectTimeout, .bodyIdleTimeout: throw .timeout(error.description)
            case .requestBodyFailed: throw .requestBodyFailed(error.description)
            default: throw .unreachable(error.description)
            }
        }
    }
}

/// A concrete `AsyncSequence` around an existential byte stream (the Upstream API takes a generic).
struct ErasedByteStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: ByteStream

    init(_ base: ByteStream) { self.base = base }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: any AsyncIteratorProtocol<ByteBuffer, any Error>
        mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

extension HTTPHeaders {
    init(_ fields: HTTPFields) {
        self.init(fields.map { ($0.name.rawName, $0.value) })
    }
}

extension HTTPFields {
    init(_ headers: HTTPHeaders) {
        self.init()
        for (name, value) in headers {
            if let fieldName = HTTPField.Name(name) { append(HTTPField(name: fieldName, value: value)) }
        }
    }
}
