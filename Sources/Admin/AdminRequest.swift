import Foundation
import NIOHTTP1

/// One call on the admin socket, with the caller the kernel vouches for.
public struct AdminRequest: Sendable {
    public let method: HTTPMethod
    /// Percent-decoded path segments after the leading slash (`["v1", "clients", "erp"]`).
    public let segments: [String]
    public let query: [String: String]
    public let body: Data
    public let peer: PeerCredentials

    public init(method: HTTPMethod, uri: String, body: Data, peer: PeerCredentials) {
        self.method = method
        self.body = body
        self.peer = peer
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        segments = parts[0].split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(keyValue[0]).removingPercentEncoding ?? String(keyValue[0])
                let value = keyValue.count == 2 ? String(keyValue[1]).removingPercentEncoding ?? String(keyValue[1]) : ""
                query[key] = value
            }
        }
        self.query = query
    }

    /// The body decoded as `T`; a 400 that names the problem otherwise.
    func decode<T: Decodable>(_ type: T.Type) throws(AdminAPIError) -> T {
        do {
            return try AdminJSON.decoder().decode(type, from: body)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .badRequest("the request body lacks \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .badRequest("the request body has a wrong type at \"\(path)\"")
        } catch {
            throw .badRequest("the request body is not the expected JSON object")
        }
    }
}
