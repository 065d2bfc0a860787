import ESIA
import Foundation
import NIOCore
import NIOHTTP1
import Upstream

/// `ESIATransport` over the `Upstream` client: ESIA's answers are small JSON, collected whole.
public struct UpstreamESIATransport: ESIATransport {
    private let upstream: UpstreamClient
    /// ESIA answers are tokens and error objects; anything bigger is not ESIA.
    private let maximumBody = 1 << 20

    public init(upstream: UpstreamClient) {
        self.upstream = upstream
    }

    public func send(_ request: ESIARequest) async throws(ESIAError) -> ESIAResponse {
        var headers = HTTPHeaders()
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        let upstreamRequest: UpstreamRequest
        do {
            upstreamRequest = try UpstreamRequest(method: HTTPMethod(rawValue: request.method),
                                                  url: request.url.absoluteString, headers: headers,
                                                  body: request.body.map { .bytes(ByteBuffer(bytes: $0)) } ?? .empty)
        } catch {
            throw .invalidRequest("ESIA URL not usable: \(error)")
        }
        do {
            let response = try await upstream.execute(upstreamRequest)
            let body = try await response.body.collect(upTo: maximumBody)
            return ESIAResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                                body: Data(body.readableBytesView))
        } catch let error as UpstreamError {
            // Never put the URL in the message: it carries the API-KEY and the signature.
            throw .unreachable(Self.redact(error))
        } catch {
            throw .unreachable("ESIA answer unreadable")
        }
    }

    private static func redact(_ error: UpstreamError) -> String {
        switch error {
        case .invalidURL: return "ESIA URL not usable"
        default: return error.description
        }
    }
}
