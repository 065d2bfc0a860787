import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// The emulated EPGU API's HTTP methods (research/esia-epgu-protocol.md §4.2), each behind the
/// injected faults, bearer validation (except dictionaries) and the per-system limits.
struct EPGURoutes: Sendable {
    let services: StandServices

    func register(on router: Router<StandRequestContext>) {
        router.post("/api/gusmev/order") { request, context in
            await serve(request, context) { caller, request in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                let orderID = try await services.epgu.createOrder(caller: caller, body: Data(body.readableBytesView))
                return JSONAnswer.response(200, ["orderId": orderID])
            }
        }
        router.post("/api/gusmev/push/chunked") { request, context in
            await serve(request, context) { caller, request in
                let form = try await readForm(request, maximumFileBytes: services.configuration.epgu.maximumChunkBytes)
                let (orderID, complete) = try await services.epgu.pushChunk(caller: caller, form: form)
                return JSONAnswer.response(complete ? 200 : 206, ["orderId": orderID])
            }
        }
        router.post("/api/gusmev/push") { request, context in
            await serve(request, context) { caller, request in
                let form = try await readForm(request, maximumFileBytes: services.configuration.epgu.maximumPushBytes)
                let orderID = try await services.epgu.push(caller: caller, form: form)
                return JSONAnswer.response(200, ["orderId": orderID])
            }
        }
        router.post("/api/gusmev/order/{orderId}") { request, context in
            await serve(request, context) { caller, _ in
                let details = try await services.epgu.details(caller: caller, orderID: try orderID(context))
                return JSONAnswer.response(200, details)
            }
        }
        router.post("/api/gusmev/order/{orderId}/cancel") { request, context in
            await serve(request, context) { caller, _ in
                let id = try orderID(context)
                try await services.epgu.cancel(caller: caller, orderID: id)
                return JSONAnswer.response(200, ["orderId": id])
            }
        }
        // v1.12.1 dropped the slash before "?", v1.13 examples have it again: the router matches
        // both spellings with one route (a trailing slash is ignored).
        router.get("/api/gusmev/order/getOrdersStatus") { request, context in
            await serve(request, context) { caller, request in
                let query = request.uri.queryParameters
                let ids = try orderIDs(query.get("orderIds"))
                let (pageNum, pageSize) = try paging(query, defaultSize: max(ids.count, 1))
                return JSONAnswer.response(200, try await services.epgu.ordersStatus(
                    caller: caller, ids: ids, pageNum: pageNum, pageSize: pageSize))
            }
        }
        router.get("/api/gusmev/order/getUpdatedAfter") { request, context in
            await serve(request, context) { caller, request in
                let query = request.uri.queryParameters
                let offset = services.configuration.epgu.utcOffsetMinutes
                guard let text = query.get("updatedAfter"), let moment = EPGUDate.parseLocal(text, utcOffsetMinutes: offset) else {
                    throw EPGUFailure.badRequest("updatedAfter is missing or not YYYY-MM-DDTHH:mm:ss.SSS (UTC\(offset >= 0 ? "+" : "-")\(abs(offset) / 60):\(String(format: "%02d", abs(offset) % 60)))")
                }
                let (pageNum, pageSize) = try paging(query, defaultSize: 100)
                return JSONAnswer.response(200, try await services.epgu.updatedAfter(
                    caller: caller, moment: moment, pageNum: pageNum, pageSize: pageSize))
            }
        }
        router.post("/api/nsi/v1/dictionary/{code}") { request, context in
            await serve(request, context, authenticated: false) { _, request in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                let code = context.parameters.get("code") ?? ""
                return JSONAnswer.response(200, services.dictionaries.answer(code: code, body: Data(body.readableBytesView)))
            }
        }
        router.get("/api/storage/v2/files/{objectId}/{objectType}/download") { request, context in
            await serve(request, context) { caller, request in
                try await download(caller, request, context, requireServiceCode: false)
            }
        }
        router.get("/api/gusmev/files/download/{objectId}/{objectType}") { request, context in
            await serve(request, context) { caller, request in
                try await download(caller, request, context, requireServiceCode: true)
            }
        }
    }

    /// Runs `handler` after faults, bearer validation and limits, and turns failures into EPGU answers.
    private func serve(_ request: Request, _ context: StandRequestContext, authenticated: Bool = true,
                       _ handler: (EPGUCaller, Request) async throws -> Response) async -> Response {
        let now = services.clock.now
        if let latency = services.faults.latency { try? await Task.sleep(for: latency) }
        switch services.faults.beforeEPGU(now: now) {
        case .drop:
            context.channel.close(promise: nil)
            return Response(status: .serviceUnavailable)
        case .serverError(let status):
            return JSONAnswer.response(EPGUFailure(status: status, code: "internal_error",
                                                   message: "injected server error (stand fault serverErrorRate)"))
        case .rateLimited(let retryAfter):
            return JSONAnswer.response(.limited("injected rate limit (stand fault rateLimit)", retryAfterSeconds: retryAfter))
        case nil:
            break
        }
        do {
            let caller: EPGUCaller
            if authenticated {
                caller = try services.bearerValidator.validate(authorization: request.headers[.authorization], now: now)
                try services.rateLimiter.admit(clientID: caller.clientID, now: now)
            } else {
                caller = EPGUCaller(clientID: "", userOID: 0)
            }
            return try await handler(caller, request)
        } catch let failure as EPGUFailure {
            if failure.status >= 400 { context.logger.info("EPGU answered \(failure.status) \(failure.code ?? "")") }
            return JSONAnswer.response(failure)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return JSONAnswer.response(.badRequest("the request body is too large"))
        } catch {
            context.logger.error("EPGU request failed: \(error)")
            return JSONAnswer.response(.internalError("the stand failed: \(error)"))
        }
    }

    private func readForm(_ request: Request, maximumFileBytes: Int) async throws -> MultipartReader.Form {
        guard let boundary = MultipartReader.boundary(contentType: request.headers[.contentType]) else {
            throw EPGUFailure.badRequest("Content-Type must be multipart/form-data with a boundary")
        }
        return try await MultipartReader.read(request.body, boundary: boundary,
                                              filePath: try services.epgu.newFilePath(suffix: "upload"),
                                              maximumFileBytes: maximumFileBytes)
    }

    private func download(_ caller: EPGUCaller, _ request: Request, _ context: StandRequestContext,
                          requireServiceCode: Bool) async throws -> Response {
        guard let objectID = context.parameters.get("objectId", as: Int64.self),
              let objectType = context.parameters.get("objectType", as: Int.self) else {
            throw EPGUFailure.badRequest("objectId and objectType must be numbers")
        }
        let query = request.uri.queryParameters
        guard let mnemonic = query.get("mnemonic"), !mnemonic.isEmpty else {
            throw EPGUFailure.badRequest("the mnemonic parameter is missing")
        }
        let serviceCode = query.get("eserviceCode")
        if requireServiceCode, (serviceCode ?? "").isEmpty {
            throw EPGUFailure.badRequest("the eserviceCode parameter is missing")
        }
        let file = try await services.epgu.download(caller: caller, objectID: objectID, objectType: objectType,
                                                    mnemonic: mnemonic, serviceCode: serviceCode)
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw EPGUFailure.internalError("file \(objectID) is gone from the stand's disk")
        }
        var headers: HTTPFields = [:]
        headers[.contentType] = file.mimeType
        headers[.contentDisposition] = "attachment; filename=\"\(file.fileName)\""
        let body = ResponseBody(contentLength: Int(file.size)) { writer in
            defer { try? handle.close() }
            while let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty {
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func orderID(_ context: StandRequestContext) throws(EPGUFailure) -> Int64 {
        guard let id = context.parameters.get("orderId", as: Int64.self) else {
            throw .badRequest("the order number in the path is not a number")
        }
        return id
    }

    private func orderIDs(_ text: String?) throws(EPGUFailure) -> [Int64] {
        guard let text, !text.isEmpty else { throw .badRequest("orderIds is missing") }
        var ids: [Int64] = []
        for piece in text.split(separator: ",") {
            guard let id = Int64(piece.trimmingCharacters(in: .whitespaces)) else {
                throw .badRequest("orderIds must be comma-separated order numbers")
            }
            ids.append(id)
        }
        return ids
    }

    /// `pageNum` (from 0) and `pageSize` (1…1000).
    private func paging(_ query: FlatDictionary<Substring, Substring>, defaultSize: Int) throws(EPGUFailure) -> (Int, Int) {
        let pageNum = query.get("pageNum").map { Int($0) } ?? 0
        let pageSize = query.get("pageSize").map { Int($0) } ?? min(defaultSize, 1000)
        guard let pageNum, let pageSize, pageNum >= 0, (1...1000).contains(pageSize) else {
            throw .badRequest("pageNum must be 0 or more and pageSize 1…1000")
        }
        return (pageNum, pageSize)
    }
}
