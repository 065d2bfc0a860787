import Foundation
import HTTPTypes
import Hummingbird

/// Builds the stand's JSON responses.
enum JSONAnswer {
    /// A response with `object` serialised as JSON (keys sorted, slashes unescaped, UTF-8 intact).
    static func response(_ status: Int, _ object: Any, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"code":"internal_error","message":"the answer could not be encoded"}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The EPGU answer for `failure`: JSON `{code, message}`, except bodiless 204.
    static func response(_ failure: EPGUFailure) -> Response {
        if failure.status == 204 { return Response(status: .noContent) }
        var headers: HTTPFields = [:]
        if let retryAfter = failure.retryAfterSeconds { headers[.retryAfter] = "\(retryAfter)" }
        if failure.status == 401 { headers[.wwwAuthenticate] = #"Bearer error="invalid_token""# }
        return response(failure.status, ["code": failure.code ?? "", "message": failure.message], headers: headers)
    }

    /// The ESIA REST answer for `failure`: `{"code": "ESIA-…", "message": …}`.
    static func restResponse(_ failure: ESIAFailure) -> Response {
        response(failure.status, ["code": failure.code, "message": failure.message])
    }

    /// The ESIA OAuth answer for `failure`: `{"error", "error_description": "ESIA-…: …", "state"}`.
    static func oauthResponse(_ failure: ESIAFailure, state: String?) -> Response {
        var object: [String: Any] = ["error": failure.oauthError, "error_description": "\(failure.code): \(failure.message)"]
        if let state { object["state"] = state }
        return response(failure.status, object)
    }
}
