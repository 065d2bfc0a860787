import Foundation
import Hummingbird

/// The stand's own control API under `/__stand/`: fault switches, the clock, order internals
/// (digests of what was received) and health. Unauthenticated: keep the stand on loopback.
struct ControlRoutes: Sendable {
    let services: StandServices

    func register(on router: Router<StandRequestContext>) {
        router.get("/__stand/health") { _, _ in
            JSONAnswer.response(200, ["status": "ok", "environment": services.configuration.environment])
        }
        router.get("/__stand/faults") { _, _ in
            faultsAnswer()
        }
        router.post("/__stand/faults") { request, _ in
            var request = request
            do {
                let body = try await request.collectBody(upTo: 64 * 1024)
                let faults = try JSONDecoder().decode(StandFaults.self, from: Data(body.readableBytesView))
                if let problem = faults.problem { return JSONAnswer.response(400, ["code": "bad_request", "message": problem]) }
                services.faults.replace(with: faults)
                return faultsAnswer()
            } catch {
                return JSONAnswer.response(400, ["code": "bad_request", "message": "the body is not a StandFaults JSON object: \(error)"])
            }
        }
        router.delete("/__stand/faults") { _, _ in
            services.faults.replace(with: StandFaults())
            return faultsAnswer()
        }
        router.get("/__stand/clock") { _, _ in
            clockAnswer()
        }
        router.post("/__stand/clock") { request, _ in
            var request = request
            let body = (try? await request.collectBody(upTo: 4096)).map { Data($0.readableBytesView) } ?? Data()
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                return JSONAnswer.response(400, ["code": "bad_request", "message": #"send {"advanceSeconds": N} or {"reset": true}"#])
            }
            if object["reset"] as? Bool == true { services.clock.reset() }
            if let seconds = (object["advanceSeconds"] as? NSNumber)?.doubleValue { services.clock.advance(by: seconds) }
            return clockAnswer()
        }
        router.get("/__stand/orders/{orderId}") { _, context in
            await orderAnswer(context)
        }
    }

    private func faultsAnswer() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let faults = (try? encoder.encode(services.faults.current))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? [:]
        var object: [String: Any] = ["faults": faults]
        if let revoked = services.faults.revokedBefore {
            object["tokensRevokedBefore"] = ISO8601DateFormatter().string(from: revoked)
        }
        return JSONAnswer.response(200, object)
    }

    private func clockAnswer() -> Response {
        JSONAnswer.response(200, ["now": ISO8601DateFormatter().string(from: services.clock.now),
                                  "offsetSeconds": services.clock.offsetSeconds])
    }

    /// What the stand knows about an order, including the digests of every received file.
    private func orderAnswer(_ context: StandRequestContext) async -> Response {
        guard let id = context.parameters.get("orderId", as: Int64.self) else {
            return JSONAnswer.response(400, ["code": "bad_request", "message": "the order number is not a number"])
        }
        do {
            try await services.epgu.advance()
            guard let order = try await services.database.order(id) else {
                return JSONAnswer.response(404, ["code": "not_found", "message": "no order \(id)"])
            }
            let files = try await services.database.files(ofOrder: id)
            let chunks = try await services.database.chunks(ofOrder: id)
            let history = try await services.database.history(ofOrder: id)
            let offset = services.configuration.epgu.utcOffsetMinutes
            return JSONAnswer.response(200, [
                "orderId": order.id, "clientId": order.clientID, "userOid": order.userOID, "serviceCode": order.serviceCode,
                "phase": order.phase.rawValue, "code": order.code, "meta": order.meta ?? NSNull(),
                "history": history.map { ["id": $0.id, "phase": $0.phase.rawValue, "code": $0.code,
                                           "at": EPGUDate.string($0.at, utcOffsetMinutes: offset)] },
                "files": files.map { ["objectId": $0.objectID, "objectType": $0.objectType, "fileName": $0.fileName,
                                      "size": $0.size, "streebog256": $0.streebog256, "sha256": $0.sha256,
                                      "link": $0.link(mnemonic: order.clientID)] },
                "pendingChunks": chunks.map { ["chunk": $0.chunk, "chunks": $0.chunks, "size": $0.size,
                                               "streebog256": $0.streebog256, "sha256": $0.sha256] },
            ])
        } catch {
            return JSONAnswer.response(500, ["code": "internal_error", "message": "\(error)"])
        }
    }
}
