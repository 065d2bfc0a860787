import Foundation
import GRDB

/// The stand's own SQLite database: orders with their status history, files, chunks of unfinished
/// uploads, and refresh tokens (by hash). Everything that must survive a restart lives here.
final class StandDatabase: Sendable {
    private let queue: DatabaseQueue
    /// Where archives, chunks and result files are stored.
    let uploadsDirectory: String

    /// Opens (creating if needed) the database and the uploads directory.
    init(path: String, uploadsDirectory: String) throws(StandError) {
        self.uploadsDirectory = uploadsDirectory
        do {
            try FileManager.default.createDirectory(atPath: uploadsDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create the uploads directory \(uploadsDirectory): \(error.localizedDescription)")
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.label = "gosgate-stand"
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-orders") { db in
            try db.execute(sql: """
                CREATE TABLE orders (
                    id INTEGER PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    user_oid INTEGER NOT NULL,
                    service_code TEXT NOT NULL,
                    target_code TEXT NOT NULL,
                    region TEXT NOT NULL,
                    meta TEXT,
                    created_at REAL NOT NULL,
                    submitted_at REAL,
                    archive_is_zip INTEGER,
                    phase TEXT NOT NULL,
                    code TEXT NOT NULL,
                    message_id TEXT NOT NULL
                );
                CREATE INDEX orders_user_service ON orders(user_oid, service_code, created_at);
                CREATE TABLE order_status (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id INTEGER NOT NULL REFERENCES orders(id),
                    phase TEXT NOT NULL,
                    code TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX order_status_order ON order_status(order_id);
                CREATE INDEX order_status_at ON order_status(at);
                CREATE TABLE order_file (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id INTEGER NOT NULL REFERENCES orders(id),
                    object_id INTEGER NOT NULL,
                    object_type INTEGER NOT NULL,
                    file_name TEXT NOT NULL,
                    mime_type TEXT NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    streebog256 TEXT NOT NULL,
                    sha256 TEXT NOT NULL
                );
                CREATE UNIQUE INDEX order_file_object ON order_file(object_id, object_type);
                CREATE TABLE upload_chunk (
                    order_id INTEGER NOT NULL REFERENCES orders(id),
                    chunk INTEGER NOT NULL,
                    chunks INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    streebog256 TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    file_name TEXT,
                    received_at REAL NOT NULL,
                    PRIMARY KEY (order_id, chunk)
                );
                CREATE TABLE refresh_token (
                    token_hash TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    subject_oid INTEGER NOT NULL,
                    scope TEXT NOT NULL,
                    organisation_oid INTEGER,
                    expires_at REAL NOT NULL,
                    used INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
        return migrator
    }

    // MARK: Orders

    /// What a new order is created with.
    struct NewOrder: Sendable {
        let caller: EPGUCaller
        let serviceCode: String
        let targetCode: String
        let region: String
        let meta: String?
    }

    /// Creates an order unless the user already created `limit` orders for the service in the current
    /// calendar window of `windowSeconds`; with `archive`, the order is submitted at once (`/push`).
    func createOrder(_ order: NewOrder, archive: UploadedFile?, now: Date, firstOrderID: Int64, limit: Int,
                     windowSeconds: Int, utcOffsetMinutes: Int) async throws -> StandOrder {
        let offset = TimeInterval(utcOffsetMinutes * 60), window = TimeInterval(windowSeconds)
        let windowStart = ((now.timeIntervalSince1970 + offset) / window).rounded(.down) * window - offset
        return try await queue.write { db in
            let created = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM orders WHERE user_oid = ? AND service_code = ? AND created_at >= ?
                """, arguments: [order.caller.userOID, order.serviceCode, windowStart]) ?? 0
            if created >= limit {
                let wait = max(1, Int((windowStart + window - now.timeIntervalSince1970).rounded(.up)))
                throw EPGUFailure.limited(
                    "user \(order.caller.userOID) created \(limit) orders for service \(order.serviceCode) in this \(windowSeconds / 60)-minute window, the limit; retry after \(wait) s",
                    retryAfterSeconds: wait)
            }
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM orders") ?? (firstOrderID - 1)
            let id = max(last + 1, firstOrderID)
            try db.execute(sql: """
                INSERT INTO orders (id, client_id, user_oid, service_code, target_code, region, meta, created_at,
                                    phase, code, message_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, order.caller.clientID, order.caller.userOID, order.serviceCode, order.targetCode,
                                 order.region, order.meta, now.timeIntervalSince1970, OrderPhase.reserved.rawValue,
                                 "NEW", UUID().uuidString.lowercased()])
            try Self.addStatus(db, orderID: id, phase: .reserved, code: "NEW", at: now)
            if let archive {
                try Self.submit(db, orderID: id, archive: archive, fileName: archive.fileName ?? "order.zip", now: now)
            }
            return try Self.order(db, id: id)!
        }
    }

    /// The order with `id`.
    func order(_ id: Int64) async throws -> StandOrder? {
        try await queue.read { db in try Self.order(db, id: id) }
    }

    /// Orders with the given ids that exist (any owner).
    func orders(_ ids: [Int64]) async throws -> [Int64: StandOrder] {
        guard !ids.isEmpty else { return [:] }
        return try await queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM orders WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                                        arguments: StatementArguments(ids))
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as Int64, StandOrder(row: $0)) })
        }
    }

    /// The user's orders whose status changed after `moment`, most recent change first, one page of them,
    /// and how many there are in all.
    func ordersUpdated(after moment: Date, userOID: Int64, offset: Int, limit: Int) async throws -> (orders: [StandOrder], total: Int) {
        try await queue.read { db in
            let condition = """
                FROM orders o WHERE o.user_oid = ? AND EXISTS
                    (SELECT 1 FROM order_status s WHERE s.order_id = o.id AND s.at > ?)
                """
            let arguments: StatementArguments = [userOID, moment.timeIntervalSince1970]
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + condition, arguments: arguments) ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT o.* " + condition + " ORDER BY o.id LIMIT ? OFFSET ?",
                                        arguments: arguments + [limit, offset])
            return (rows.map(StandOrder.init(row:)), total)
        }
    }

    /// The status history of an order, oldest first.
    func history(ofOrder id: Int64) async throws -> [OrderStatusEntry] {
        try await queue.read { db in try Self.history(db, orderID: id) }
    }

    /// The latest status entry of each order in `ids`.
    func latestStatuses(_ ids: [Int64]) async throws -> [Int64: OrderStatusEntry] {
        guard !ids.isEmpty else { return [:] }
        return try await queue.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM order_status WHERE id IN
                    (SELECT MAX(id) FROM order_status WHERE order_id IN (\(ids.map { _ in "?" }.joined(separator: ","))) GROUP BY order_id)
                """, arguments: StatementArguments(ids))
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["order_id"] as Int64, OrderStatusEntry(row: $0)) })
        }
    }

    /// Files kept for an order.
    func files(ofOrder id: Int64) async throws -> [StoredFile] {
        try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM order_file WHERE order_id = ? ORDER BY id", arguments: [id])
                .map(StoredFile.init(row:))
        }
    }

    /// The file with an EPGU object id and type.
    func file(objectID: Int64, objectType: Int) async throws -> StoredFile? {
        try await queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM order_file WHERE object_id = ? AND object_type = ?",
                             arguments: [objectID, objectType]).map(StoredFile.init(row:))
        }
    }

    /// Marks an order cancelled.
    func cancel(orderID: Int64, now: Date) async throws {
        try await queue.write { db in
            guard let order = try Self.order(db, id: orderID) else { return }
            try Self.addStatus(db, orderID: orderID, phase: .cancelled, code: order.code, at: now)
        }
    }

    /// Records the complete archive of a reserved order (after `/push/chunked`'s last chunk).
    func submit(orderID: Int64, archive: UploadedFile, fileName: String, meta: String?, now: Date) async throws {
        try await queue.write { db in
            if let meta {
                try db.execute(sql: "UPDATE orders SET meta = ? WHERE id = ?", arguments: [meta, orderID])
            }
            try Self.submit(db, orderID: orderID, archive: archive, fileName: fileName, now: now)
        }
    }

    // MARK: Chunks

    /// Chunks received so far for an order, by number.
    func chunks(ofOrder id: Int64) async throws -> [ReceivedChunk] {
        try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM upload_chunk WHERE order_id = ? ORDER BY chunk", arguments: [id])
                .map(ReceivedChunk.init(row:))
        }
    }

    /// Records one received chunk.
    func addChunk(orderID: Int64, chunk: Int, chunks: Int, file: UploadedFile, now: Date) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO upload_chunk (order_id, chunk, chunks, path, size, streebog256, sha256, file_name, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [orderID, chunk, chunks, file.path, file.size, file.streebog256, file.sha256,
                                 file.fileName, now.timeIntervalSince1970])
        }
    }

    /// Forgets the chunks of an order (after assembly, or when the upload window ran out).
    func removeChunks(ofOrder id: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM upload_chunk WHERE order_id = ?", arguments: [id])
        }
    }

    // MARK: Status progression

    /// Moves submitted orders along NEW → FILES_VERIFICATION → DONE (or FILES_VERIFICATION_FAILED) as
    /// if a worker had run on time: each step is dated when it was due, so the history is the same
    /// whether the stand was running or stopped meanwhile.
    func advance(now: Date, verificationDelay: TimeInterval, completionDelay: TimeInterval) async throws {
        let uploads = uploadsDirectory
        try await queue.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM orders WHERE phase IN (?, ?)",
                                        arguments: [OrderPhase.submitted.rawValue, OrderPhase.verification.rawValue])
            for order in rows.map(StandOrder.init(row:)) {
                guard let submittedAt = order.submittedAt else { continue }
                let verificationAt = submittedAt.addingTimeInterval(verificationDelay)
                let completionAt = verificationAt.addingTimeInterval(completionDelay)
                if order.phase == .submitted, verificationAt <= now {
                    try Self.addStatus(db, orderID: order.id, phase: .verification, code: "FILES_VERIFICATION", at: verificationAt)
                }
                guard completionAt <= now else { continue }
                if order.archiveIsZip == true {
                    let entry = try Self.addStatus(db, orderID: order.id, phase: .done, code: "DONE", at: completionAt)
                    try Self.addResultFile(db, order: order, statusID: entry, at: completionAt, uploadsDirectory: uploads)
                } else {
                    try Self.addStatus(db, orderID: order.id, phase: .verificationFailed, code: "FILES_VERIFICATION_FAILED",
                                       at: completionAt)
                }
            }
        }
    }

    // MARK: Refresh tokens

    /// What a refresh token was issued for.
    struct RefreshGrant: Sendable {
        let clientID: String
        let subjectOID: Int64
        let scope: String
        let organisationOID: Int64?
    }

    /// Stores a refresh token by its hash.
    func storeRefreshToken(hash: String, grant: RefreshGrant, expiresAt: Date) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO refresh_token (token_hash, client_id, subject_oid, scope, organisation_oid, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [hash, grant.clientID, grant.subjectOID, grant.scope, grant.organisationOID,
                                 expiresAt.timeIntervalSince1970])
        }
    }

    /// Uses up a refresh token: returns its grant once, and nil if it is unknown, used or expired.
    func consumeRefreshToken(hash: String, now: Date) async throws -> RefreshGrant? {
        try await queue.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM refresh_token WHERE token_hash = ?", arguments: [hash]),
                  row["used"] as Int == 0, (row["expires_at"] as Double) > now.timeIntervalSince1970 else { return nil }
            try db.execute(sql: "UPDATE refresh_token SET used = 1 WHERE token_hash = ?", arguments: [hash])
            return RefreshGrant(clientID: row["client_id"], subjectOID: row["subject_oid"], scope: row["scope"],
                                organisationOID: row["organisation_oid"])
        }
    }

    // MARK: Statements

    private static func order(_ db: Database, id: Int64) throws -> StandOrder? {
        try Row.fetchOne(db, sql: "SELECT * FROM orders WHERE id = ?", arguments: [id]).map(StandOrder.init(row:))
    }

    private static func history(_ db: Database, orderID: Int64) throws -> [OrderStatusEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM order_status WHERE order_id = ? ORDER BY id", arguments: [orderID])
            .map(OrderStatusEntry.init(row:))
    }

    @discardableResult
    private static func addStatus(_ db: Database, orderID: Int64, phase: OrderPhase, code: String, at: Date) throws -> Int64 {
        try db.execute(sql: "INSERT INTO order_status (order_id, phase, code, at) VALUES (?, ?, ?, ?)",
                       arguments: [orderID, phase.rawValue, code, at.timeIntervalSince1970])
        let id = db.lastInsertedRowID
        try db.execute(sql: "UPDATE orders SET phase = ?, code = ? WHERE id = ?", arguments: [phase.rawValue, code, orderID])
        return id
    }

    private static func submit(_ db: Database, orderID: Int64, archive: UploadedFile, fileName: String, now: Date) throws {
        try db.execute(sql: "UPDATE orders SET submitted_at = ?, archive_is_zip = ? WHERE id = ?",
                       arguments: [now.timeIntervalSince1970, archive.looksLikeZip, orderID])
        try insertFile(db, orderID: orderID, objectID: nil, objectType: StoredFile.ObjectType.attachment, fileName: fileName,
                       mimeType: "application/zip", file: archive)
        try addStatus(db, orderID: orderID, phase: .submitted, code: "NEW", at: now)
    }

    /// Inserts a file row; a nil `objectID` uses the row id.
    private static func insertFile(_ db: Database, orderID: Int64, objectID: Int64?, objectType: Int, fileName: String,
                                   mimeType: String, file: UploadedFile) throws {
        try db.execute(sql: """
            INSERT INTO order_file (order_id, object_id, object_type, file_name, mime_type, path, size, streebog256, sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [orderID, objectID ?? -1, objectType, fileName, mimeType, file.path, file.size,
                             file.streebog256, file.sha256])
        if objectID == nil {
            let id = db.lastInsertedRowID
            try db.execute(sql: "UPDATE order_file SET object_id = ? WHERE id = ?", arguments: [id, id])
        }
    }

    /// Writes the department's answer for a DONE order: a small XML file linked as a result.
    private static func addResultFile(_ db: Database, order: StandOrder, statusID: Int64, at: Date,
                                      uploadsDirectory: String) throws {
        let directory = URL(fileURLWithPath: uploadsDirectory).appendingPathComponent("\(order.id)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("result-\(statusID).xml").path
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <result xmlns="urn:gosgate:stand">
              <orderId>\(order.id)</orderId>
              <serviceCode>\(xmlEscaped(order.serviceCode))</serviceCode>
              <status>DONE</status>
              <completed>\(ISO8601DateFormatter().string(from: at))</completed>
            </result>

            """
        let writer = try DigestingFileWriter(path: path)
        try writer.write(Data(xml.utf8))
        let file = try writer.finish(fileName: "result.xml")
        try insertFile(db, orderID: order.id, objectID: statusID, objectType: StoredFile.ObjectType.result,
                       fileName: "result-\(order.id).xml", mimeType: "application/xml", file: file)
    }

    private static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
