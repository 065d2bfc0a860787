import Foundation
import NIOHTTP1

/// What the admin socket answers: JSON for everything except audit export, which streams JSON Lines.
public struct AdminResponse: Sendable {
    public enum Body: Sendable {
        case data(Data)
        /// Written with chunked transfer encoding as the pieces come.
        case stream(AsyncThrowingStream<Data, any Error>)
    }

    public let status: HTTPResponseStatus
    public let contentType: String
    public let body: Body

    init(status: HTTPResponseStatus, contentType: String, body: Body) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    static let jsonType = "application/json; charset=utf-8"

    /// `value` as JSON.
    static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) -> AdminResponse {
        do {
            var data = try AdminJSON.encoder().encode(value)
            data.append(UInt8(ascii: "\n"))
            return AdminResponse(status: status, contentType: jsonType, body: .data(data))
        } catch {
            return failure(AdminAPIError(.internalServerError, code: "internal", "the answer could not be encoded: \(error)"))
        }
    }

    /// A refusal or failure, as `{code, message}`.
    static func failure(_ error: AdminAPIError) -> AdminResponse {
        var data = (try? AdminJSON.encoder().encode(error.body))
            ?? Data(#"{"code":"internal","message":"unencodable error"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return AdminResponse(status: error.status, contentType: jsonType, body: .data(data))
    }
}
