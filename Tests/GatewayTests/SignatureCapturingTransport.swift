import ESIA
import Foundation

/// Passes every ESIA request to the gateway's real transport and keeps the `signature` query
/// values it carried (base64url CAdES), so a test can hand exactly what the stand received to openssl.
final class SignatureCapturingTransport: ESIATransport, @unchecked Sendable {
    // @unchecked: `captured` is only touched under `lock`.
    private let wrapped: any ESIATransport
    private let lock = NSLock()
    private var captured: [String] = []

    init(wrapping wrapped: any ESIATransport) {
        self.wrapped = wrapped
    }

    /// The signatures sent so far, oldest first, as they appeared in the URL.
    var signatures: [String] { lock.withLock { captured } }

    func send(_ request: ESIARequest) async throws(ESIAError) -> ESIAResponse {
        let signature = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?
            .queryItems?.first { $0.name == "signature" }?.value
        if let signature { lock.withLock { captured.append(signature) } }
        return try await wrapped.send(request)
    }
}
