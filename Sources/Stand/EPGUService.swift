import Foundation

/// The order logic of the emulated EPGU API (research/esia-epgu-protocol.md §4.2, §4.3): creation,
/// whole and chunked uploads with the specification's rules, details, cancellation, status lists
/// and file downloads. HTTP parsing lives in `EPGURoutes`; this type sees parsed values only.
struct EPGUService: Sendable {
    let database: StandDatabase
    let settings: StandEPGUSettings
    let clock: StandClock

    /// Where uploads land before and after they are accepted.
    var filesDirectory: String { URL(fileURLWithPath: database.uploadsDirectory).appendingPathComponent("files").path }

    /// A fresh path for an incoming file.
    func newFilePath(suffix: String) throws(EPGUFailure) -> String {
        do {
            try FileManager.default.createDirectory(atPath: filesDirectory, withIntermediateDirectories: true)
        } catch {
            throw .internalError("cannot create \(filesDirectory): \(error.localizedDescription)")
        }
        return URL(fileURLWithPath: filesDirectory).appendingPathComponent("\(UUID().uuidString.lowercased()).\(suffix)").path
    }

    /// Brings every order's status up to the stand's clock.
    func advance() async throws {
        try await database.advance(now: clock.now, verificationDelay: TimeInterval(settings.verificationDelaySeconds),
                                   completionDelay: TimeInterval(settings.completionDelaySeconds))
    }

    // MARK: Creation and upload

    /// `POST /api/gusmev/order`: reserves an order number.
    func createOrder(caller: EPGUCaller, body: Data) async throws -> Int64 {
        let fields = try Self.orderFields(json: body, what: "the request body")
        let order = try await database.createOrder(
            StandDatabase.NewOrder(caller: caller, serviceCode: fields.serviceCode, targetCode: fields.targetCode,
                                   region: fields.region, meta: nil),
            archive: nil, now: clock.now, firstOrderID: settings.firstOrderID, limit: settings.ordersPerServicePerUser,
            windowSeconds: settings.orderWindowSeconds, utcOffsetMinutes: settings.utcOffsetMinutes)
        return order.id
    }

    /// `POST /api/gusmev/push`: creates an order and submits its archive in one call.
    func push(caller: EPGUCaller, form: MultipartReader.Form) async throws -> Int64 {
        guard let file = form.file else { throw EPGUFailure.badRequest("the multipart part \"file\" (the zip archive) is missing") }
        do {
            guard let meta = form.fields["meta"] else {
                throw EPGUFailure.badRequest("the multipart part \"meta\" (JSON with region, serviceCode, targetCode) is missing")
            }
            guard file.size > 0 else { throw EPGUFailure.badRequest("the file part is empty") }
            let fields = try Self.orderFields(json: Data(meta.utf8), what: "meta")
            let order = try await database.createOrder(
                StandDatabase.NewOrder(caller: caller, serviceCode: fields.serviceCode, targetCode: fields.targetCode,
                                       region: fields.region, meta: meta),
                archive: file, now: clock.now, firstOrderID: settings.firstOrderID,
                limit: settings.ordersPerServicePerUser, windowSeconds: settings.orderWindowSeconds,
                utcOffsetMinutes: settings.utcOffsetMinutes)
            return order.id
        } catch {
            try? FileManager.default.removeItem(atPath: file.path)
            throw error
        }
    }

    /// `POST /api/gusmev/push/chunked`: one chunk of a reserved order's archive.
    /// - Returns: the order number and whether this was the last chunk (200) or not (206).
    func pushChunk(caller: EPGUCaller, form: MultipartReader.Form) async throws -> (orderID: Int64, complete: Bool) {
        guard let file = form.file else { throw EPGUFailure.badRequest("the multipart part \"file\" (the chunk) is missing") }
        do {
            let result = try await acceptChunk(caller: caller, form: form, file: file)
            if !result.kept { try? FileManager.default.removeItem(atPath: file.path) }
            return (result.orderID, result.complete)
        } catch {
            try? FileManager.default.removeItem(atPath: file.path)
            throw error
        }
    }

    private func acceptChunk(caller: EPGUCaller, form: MultipartReader.Form,
                             file: UploadedFile) async throws -> (orderID: Int64, complete: Bool, kept: Bool) {
        guard let orderText = form.fields["orderId"], let orderID = Int64(orderText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EPGUFailure.badRequest("the multipart part \"orderId\" is missing or not a number")
        }
        let (chunk, chunks) = try Self.chunkNumbers(chunk: form.fields["chunk"], chunks: form.fields["chunks"])
        guard let order = try await database.order(orderID) else { throw EPGUFailure.orderNotFound }
        try Self.checkOwner(order, caller)
        if let meta = form.fields["meta"] {
            try Self.checkMeta(meta, against: order)
        }
        guard order.phase == .reserved else {
            throw EPGUFailure.badRequest("the files of order \(orderID) were already sent; create a new order")
        }

        let now = clock.now
        var received = try await database.chunks(ofOrder: orderID)
        if let first = received.first(where: { $0.chunk == 0 }) ?? received.first,
           now.timeIntervalSince(first.receivedAt) > TimeInterval(settings.chunkWindowSeconds) {
            // The window ran out: drop what came so far; a new chunk 0 starts the upload afresh.
            try await discard(received, of: orderID)
            received = []
            guard chunk == 0 else {
                throw EPGUFailure.badRequest("all chunks must arrive within \(settings.chunkWindowSeconds) s of the first; the upload of order \(orderID) was discarded, start again from chunk 0")
            }
        }
        if let announced = received.first?.chunks, announced != chunks {
            throw EPGUFailure.badRequest("chunks=\(chunks) differs from chunks=\(announced) sent with earlier chunks of order \(orderID)")
        }
        guard !received.contains(where: { $0.chunk == chunk }) else {
            throw EPGUFailure.badRequest("chunk \(chunk) of order \(orderID) was already received")
        }
        if chunk != 0, !received.contains(where: { $0.chunk == 0 }) {
            throw EPGUFailure.badRequest("the first chunk (chunk=0) must be sent first")
        }
        let isLast = chunk == chunks - 1
        if isLast {
            let missing = (0..<chunk).filter { number in !received.contains { $0.chunk == number } }
            guard missing.isEmpty else {
                throw EPGUFailure.badRequest("the last chunk (chunk=\(chunk)) must be sent last; still missing: \(missing.map(String.init).joined(separator: ", "))")
            }
        } else if file.size < Int64(settings.minimumChunkBytes) {
            throw EPGUFailure.badRequest("chunk \(chunk) has \(file.size) bytes; every chunk but the last needs at least \(settings.minimumChunkBytes)")
        }
        guard file.size > 0 else { throw EPGUFailure.badRequest("chunk \(chunk) is empty") }

        try await database.addChunk(orderID: orderID, chunk: chunk, chunks: chunks, file: file, now: now)
        guard isLast else { return (orderID, false, true) }

        received = try await database.chunks(ofOrder: orderID)
        let archive = try assemble(received)
        let fileName = Self.archiveName(received.first?.fileName)
        try await database.submit(orderID: orderID, archive: archive, fileName: fileName, meta: form.fields["meta"], now: now)
        try await discard(received, of: orderID)
        return (orderID, true, true)
    }

    /// Concatenates the chunks, in order, into one archive, digesting it on the way.
    private func assemble(_ chunks: [ReceivedChunk]) throws -> UploadedFile {
        let writer = try DigestingFileWriter(path: try newFilePath(suffix: "zip"))
        for chunk in chunks.sorted(by: { $0.chunk < $1.chunk }) {
            guard let handle = FileHandle(forReadingAtPath: chunk.path) else {
                throw EPGUFailure.internalError("chunk \(chunk.chunk) of order \(chunk.orderID) is gone from the stand's disk")
            }
            defer { try? handle.close() }
            while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
                try writer.write(data)
            }
        }
        return try writer.finish(fileName: chunks.first?.fileName)
    }

    private func discard(_ chunks: [ReceivedChunk], of orderID: Int64) async throws {
        for chunk in chunks { try? FileManager.default.removeItem(atPath: chunk.path) }
        try await database.removeChunks(ofOrder: orderID)
    }

    // MARK: Reading

    /// `POST /api/gusmev/order/{orderId}`: details with the order serialised into a string.
    func details(caller: EPGUCaller, orderID: Int64) async throws -> [String: Any] {
        try await advance()
        guard let order = try await database.order(orderID) else { throw EPGUFailure.orderNotFound }
        try Self.checkOwner(order, caller)
        let history = try await database.history(ofOrder: orderID)
        let files = try await database.files(ofOrder: orderID)
        let orderObject = orderJSON(order, history: history, files: files)
        let orderText = String(decoding: try JSONSerialization.data(withJSONObject: orderObject, options: [.sortedKeys, .withoutEscapingSlashes]),
                               as: UTF8.self)
        return ["code": order.code, "message": Self.message(for: order), "messageId": order.messageID, "order": orderText]
    }

    /// `POST /api/gusmev/order/{orderId}/cancel`.
    func cancel(caller: EPGUCaller, orderID: Int64) async throws {
        try await advance()
        guard let order = try await database.order(orderID) else { throw EPGUFailure.orderNotFound }
        try Self.checkOwner(order, caller)
        guard order.phase.cancelAllowed else {
            throw EPGUFailure.cancelNotAllowed("order \(orderID) is \(order.phase == .cancelled ? "already cancelled" : "final (\(order.code))"); it cannot be cancelled")
        }
        try await database.cancel(orderID: orderID, now: clock.now)
    }

    /// `GET /api/gusmev/order/getOrdersStatus`.
    func ordersStatus(caller: EPGUCaller, ids: [Int64], pageNum: Int, pageSize: Int) async throws -> [String: Any] {
        try await advance()
        let page = Array(ids.dropFirst(pageNum * pageSize).prefix(pageSize))
        let orders = try await database.orders(page).filter { $0.value.userOID == caller.userOID }
        let latest = try await database.latestStatuses(Array(orders.keys))
        let content: [[String: Any]] = page.map { id in
            guard orders[id] != nil, let entry = latest[id] else {
                return ["orderId": id, "orderSearchStatus": "NOT_FOUND", "status": NSNull()]
            }
            return ["orderId": id, "orderSearchStatus": "FOUND", "status": statusJSON(entry)]
        }
        return ["count": content.count, "totalCount": ids.count, "content": content]
    }

    /// `GET /api/gusmev/order/getUpdatedAfter`.
    func updatedAfter(caller: EPGUCaller, moment: Date, pageNum: Int, pageSize: Int) async throws -> [String: Any] {
        try await advance()
        let (orders, total) = try await database.ordersUpdated(after: moment, userOID: caller.userOID,
                                                               offset: pageNum * pageSize, limit: pageSize)
        let latest = try await database.latestStatuses(orders.map(\.id))
        let content: [[String: Any]] = orders.map { order in
            ["orderId": order.id, "orderSearchStatus": "FOUND", "status": latest[order.id].map(statusJSON) ?? NSNull()]
        }
        return ["count": content.count, "totalCount": total, "content": content]
    }

    /// Both download paths: the file behind a `terrabyte://…/{objectId}/{mnemonic}/{objectType}` link.
    func download(caller: EPGUCaller, objectID: Int64, objectType: Int, mnemonic: String,
                  serviceCode: String?) async throws -> StoredFile {
        try await advance()
        guard let file = try await database.file(objectID: objectID, objectType: objectType),
              let order = try await database.order(file.orderID), order.clientID == mnemonic else {
            throw EPGUFailure.notFound("no file \(objectID)/\(mnemonic)/\(objectType)")
        }
        try Self.checkOwner(order, caller)
        if let serviceCode, serviceCode != order.serviceCode {
            throw EPGUFailure.notFound("file \(objectID) does not belong to service \(serviceCode)")
        }
        return file
    }

    // MARK: JSON

    private func orderJSON(_ order: StandOrder, history: [OrderStatusEntry], files: [StoredFile]) -> [String: Any] {
        let current = history.last
        let fileJSON: (StoredFile) -> [String: Any] = { file in
            ["fileName": file.fileName, "fileSize": file.size, "mimeType": file.mimeType,
             "link": file.link(mnemonic: order.clientID), "objectId": file.objectID, "objectTypeId": file.objectType,
             "hasDigitalSignature": false]
        }
        var object: [String: Any] = [
            "id": order.id,
            "userId": order.userOID,
            "eServiceCode": order.serviceCode,
            "serviceTargetCode": order.targetCode,
            "okato": order.region,
            "orderStatusId": order.phase.statusID,
            "orderStatusName": order.phase.statusName,
            "cancelAllowed": order.phase.cancelAllowed,
            "requestDate": EPGUDate.string(order.createdAt, utcOffsetMinutes: settings.utcOffsetMinutes),
            "statuses": history.map { entry -> [String: Any] in
                ["id": entry.id, "statusId": entry.phase.statusID, "statusName": entry.phase.statusName,
                 "code": entry.code, "date": EPGUDate.string(entry.at, utcOffsetMinutes: settings.utcOffsetMinutes)]
            },
            "orderResponseFiles": files.filter { $0.objectType == StoredFile.ObjectType.result }.map(fileJSON),
            "orderAttachmentFiles": files.filter { $0.objectType == StoredFile.ObjectType.attachment }.map(fileJSON),
        ]
        if let current {
            object["currentStatusHistoryId"] = current.id
            object["currentStatusHistory"] = ["id": current.id, "statusId": current.phase.statusID,
                                              "statusName": current.phase.statusName,
                                              "date": EPGUDate.string(current.at, utcOffsetMinutes: settings.utcOffsetMinutes)]
            object["updated"] = EPGUDate.string(current.at, utcOffsetMinutes: settings.utcOffsetMinutes)
        }
        return object
    }

    private func statusJSON(_ entry: OrderStatusEntry) -> [String: Any] {
        ["statusId": entry.phase.statusID, "statusName": entry.phase.statusName,
         "updated": EPGUDate.string(entry.at, utcOffsetMinutes: settings.utcOffsetMinutes)]
    }

    private static func message(for order: StandOrder) -> String {
        if order.phase == .cancelled { return "Заявление отменено заявителем" }
        switch order.code {
        case "NEW": return order.phase == .reserved ? "Номер заявления зарезервирован, файлы не получены" : "Заявление принято, файлы ожидают проверки"
        case "FILES_VERIFICATION": return "Идёт проверка файлов"
        case "DONE": return "Заявление передано в ведомство"
        case "FILES_VERIFICATION_FAILED": return "Архив не прошёл проверку: файл не является zip-архивом"
        default: return order.code
        }
    }

    // MARK: Checks

    /// The three fields of an order, from JSON; the specification table capitalises them, the
    /// examples and every client do not, so both spellings are read.
    static func orderFields(json: Data, what: String) throws -> (region: String, serviceCode: String, targetCode: String) {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw EPGUFailure.badRequest("\(what) is not a JSON object")
        }
        func field(_ name: String) -> String? {
            let value = object[name] ?? object[name.prefix(1).uppercased() + name.dropFirst()]
            switch value {
            case let text as String: return text.isEmpty ? nil : text
            case let number as NSNumber: return number.stringValue
            default: return nil
            }
        }
        let missing = ["region", "serviceCode", "targetCode"].filter { field($0) == nil }
        guard missing.isEmpty, let region = field("region"), let service = field("serviceCode"), let target = field("targetCode") else {
            throw EPGUFailure.badRequest("\(what) lacks \(missing.joined(separator: ", "))")
        }
        return (region, service, target)
    }

    /// `chunk`/`chunks`: both absent means one chunk; otherwise 0 ≤ chunk < chunks.
    static func chunkNumbers(chunk: String?, chunks: String?) throws(EPGUFailure) -> (chunk: Int, chunks: Int) {
        switch (chunk.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, chunks.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }) {
        case (nil, nil):
            return (0, 1)
        case (.some(let chunkText), .some(let chunksText)):
            guard let number = Int(chunkText), let total = Int(chunksText) else {
                throw .badRequest("chunk and chunks must be whole numbers")
            }
            guard total >= 1, (0..<total).contains(number) else {
                throw .badRequest("chunk=\(number) is outside 0…chunks−1 (chunks=\(total)); chunks are numbered from 0")
            }
            return (number, total)
        default:
            throw .badRequest("chunk and chunks go together; omit both only for a single-chunk upload")
        }
    }

    private static func checkOwner(_ order: StandOrder, _ caller: EPGUCaller) throws(EPGUFailure) {
        guard order.userOID == caller.userOID else {
            throw .forbidden("order_access", "order \(order.id) belongs to another user")
        }
    }

    private static func checkMeta(_ meta: String, against order: StandOrder) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(meta.utf8)) as? [String: Any] else {
            throw EPGUFailure.badRequest("meta is not a JSON object")
        }
        if let service = (object["serviceCode"] ?? object["ServiceCode"]).map({ "\($0)" }), service != order.serviceCode {
            throw EPGUFailure.badRequest("meta.serviceCode \(service) differs from the order's service \(order.serviceCode)")
        }
    }

    private static func archiveName(_ chunkName: String?) -> String {
        guard var name = chunkName, !name.isEmpty else { return "order.zip" }
        // Chunks are often named name.z001, name.z002… after the split archive they came from.
        if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].range(of: #"^z\d+$"#, options: .regularExpression) != nil {
            name = String(name[..<dot]) + ".zip"
        }
        return name
    }
}
