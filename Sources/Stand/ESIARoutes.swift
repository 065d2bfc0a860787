import Foundation
import Hummingbird

/// The emulated ESIA's HTTP methods: the API-KEY exchange and the OAuth v3 token endpoint.
struct ESIARoutes: Sendable {
    let services: StandServices

    func register(on router: Router<StandRequestContext>) {
        router.get("/esia-rs/api/public/v1/orgs/ext-app/{apiKey}/tkn") { request, context in
            await exchangeAPIKey(request, context)
        }
        router.post("/aas/oauth2/v3/te") { request, context in
            await exchangeOAuth(request, context)
        }
    }

    private func exchangeAPIKey(_ request: Request, _ context: StandRequestContext) async -> Response {
        if let answer = await applyFaults(context, oauthState: nil, rest: true) { return answer }
        let apiKey = (context.parameters.get("apiKey") ?? "").removingPercentEncoding ?? ""
        // Hummingbird percent-decodes query values; a "+" stays a "+", which base64url never has.
        let signature = request.uri.queryParameters.get("signature")
        do {
            let token = try services.apiKeyExchange.exchange(apiKey: apiKey, signature: signature, now: services.clock.now)
            return JSONAnswer.response(200, ["accessTkn": token.jwt])
        } catch {
            context.logger.info("ESIA API-KEY exchange refused: \(error.code)")
            return JSONAnswer.restResponse(error)
        }
    }

    private func exchangeOAuth(_ request: Request, _ context: StandRequestContext) async -> Response {
        var request = request
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 64 * 1024)
        } catch {
            return JSONAnswer.oauthResponse(.unreadable("the request body is too large or broken"), state: nil)
        }
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            // What ESIA answers to a JSON body: it finds no form parameters at all.
            return JSONAnswer.oauthResponse(.missingParameters(["state", "client_id"]), state: nil)
        }
        let form: [String: String]
        do {
            form = try FormURLEncoded.parse(Data(body.readableBytesView))
        } catch {
            return JSONAnswer.oauthResponse(error, state: nil)
        }
        if let answer = await applyFaults(context, oauthState: form["state"], rest: false) { return answer }
        do {
            return JSONAnswer.response(200, try await services.oauthExchange.exchange(form, now: services.clock.now))
        } catch {
            context.logger.info("ESIA token request refused: \(error.code)")
            return JSONAnswer.oauthResponse(error, state: form["state"])
        }
    }

    /// Latency, dropped connections and "ESIA down"; nil when the request goes on.
    private func applyFaults(_ context: StandRequestContext, oauthState: String?, rest: Bool) async -> Response? {
        if let latency = services.faults.latency { try? await Task.sleep(for: latency) }
        switch services.faults.beforeESIA() {
        case .drop:
            context.channel.close(promise: nil)
            return Response(status: .serviceUnavailable)
        case .unavailable:
            return rest ? JSONAnswer.restResponse(.unavailable) : JSONAnswer.oauthResponse(.unavailable, state: oauthState)
        case nil:
            return nil
        }
    }
}
