import Foundation
import GRDB
import Synchronization

/// The gateway's SQLite database: identities, internal clients, the audit chain and quota counters.
///
/// WAL journal, foreign keys on, versioned migrations, and files created with mode 0600 because the
/// database holds API-KEYs.
public final class GatewayStore: Sendable {
    private let pool: DatabasePool
    /// Path of the database file.
    public let path: String
    private let directoryChanges = Atomic<UInt64>(0)

    /// Grows with every change to clients or identities made through this store, so that callers
    /// caching them (the gateway's client directory) know when to read again.
    public var directoryGeneration: UInt64 { directoryChanges.load(ordering: .acquiring) }

    /// A write to clients or identities; the generation moves on afterwards, whether it committed or not.
    func writeDirectory<T>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        defer { directoryChanges.add(1, ordering: .releasing) }
        return try write(body)
    }

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.label = "gosgate-store"
        do {
            // The umask covers the database and its -wal/-shm companions, which SQLite creates later.
            let previous = umask(0o077)
            defer { umask(previous) }
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
        chmod(path, 0o600)
        do {
            try Schema.migrator.migrate(pool)
        } catch {
            throw .migrationFailed(Self.reason(error))
        }
    }

    /// Names of the migrations applied, oldest first (for `status` and support).
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try Schema.migrator.appliedMigrations(db) }
    }

    // MARK: Identities

    /// Adds an identity; its name must be new.
    @discardableResult
    public func addIdentity(_ identity: Identity) throws(StoreError) -> Identity {
        guard !identity.name.isEmpty else { throw .invalidValue("an identity needs a name") }
        if identity.flow == .apiKey, (identity.apiKey ?? "").isEmpty {
            throw .invalidValue("the api_key flow needs the API-KEY issued in ЛК ИЭП")
        }
        return try writeDirectory { db in
            var record = identity
            do {
                try record.insert(db)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicate(kind: "identity", name: identity.name)
            }
            return record
        }
    }

    /// All identities, by name.
    public func identities() throws(StoreError) -> [Identity] {
        try read { db in try Identity.order(Column("name")).fetchAll(db) }
    }

    /// The identity called `name`, if any.
    public func identity(named name: String) throws(StoreError) -> Identity? {
        try read { db in try Identity.filter(Column("name") == name).fetchOne(db) }
    }

    /// The identity with row id `id`, if any (the proxy resolves a client's default identity per call).
    public func identity(id: Int64) throws(StoreError) -> Identity? {
        try read { db in try Identity.fetchOne(db, key: id) }
    }

    /// Removes an identity; refused while a client still uses it by default.
    public func removeIdentity(named name: String) throws(StoreError) {
        try writeDirectory { db in
            guard let identity = try Identity.filter(Column("name") == name).fetchOne(db) else {
                throw StoreError.notFound(kind: "identity", name: name)
            }
            do {
                _ = try identity.delete(db)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError.invalidValue(
                    "identity \"\(name)\" is the default of a client; change or revoke that client first")
            }
        }
    }

    // MARK: Internal clients

    /// Creates a client that may call `allowedRoutes` as `defaultIdentity` and returns it with its
    /// key, which is never retrievable again.
    public func addClient(name: String, defaultIdentity: String?, allowedRoutes: [String] = ["*"],
                          now: Date = Date()) throws(StoreError) -> (client: InternalClient, key: GatewayKey) {
        try addClient(name: name, permissions: ClientPermissions(defaultIdentity: defaultIdentity, allowedRoutes: allowedRoutes),
                      now: now)
    }

    /// The active client holding `presentedKey`, or nil for unknown, malformed or revoked keys.
    public func authenticateClient(presentedKey: String) throws(StoreError) -> InternalClient? {
        guard let key = GatewayKey(text: presentedKey) else { return nil }
        let candidate = try read { db in try InternalClient.filter(Column("key_id") == key.keyID).fetchOne(db) }
        guard let candidate, !candidate.isRevoked else { return nil }
        do {
            return try key.matches(storedHash: candidate.keyHash) ? candidate : nil
        } catch {
            throw .readFailed("cannot hash the presented key: \(error)")
        }
    }

    /// All clients, by name, revoked ones included.
    public func clients() throws(StoreError) -> [InternalClient] {
        try read { db in try InternalClient.order(Column("name")).fetchAll(db) }
    }

    /// Revokes a client's key at once; the row stays for the audit trail.
    public func revokeClient(named name: String, now: Date = Date()) throws(StoreError) {
        try writeDirectory { db in
            guard var client = try InternalClient.filter(Column("name") == name).fetchOne(db) else {
                throw StoreError.notFound(kind: "client", name: name)
            }
            guard client.revokedAt == nil else { return }
            client.revokedAt = now
            try client.update(db)
        }
    }

    // MARK: Audit chain

    /// Appends an event to the chain and returns the stored record.
    @discardableResult
    public func appendAudit(kind: AuditRecord.Kind, actor: String, subject: String = "",
                            detail: [String: String] = [:], at now: Date = Date()) throws(StoreError) -> AuditRecord {
        let records = try appendAudit([AuditEntry(kind: kind, actor: actor, subject: subject, detail: detail, at: now)])
        return records[0]
    }

    /// Appends events to the chain in order, in one transaction: all of them are committed, or
    /// none. The transaction is immediate, so concurrent appends from several tasks or processes
    /// still form one unbroken chain.
    @discardableResult
    public func appendAudit(_ entries: [AuditEntry]) throws(StoreError) -> [AuditRecord] {
        let texts = entries.map { AuditDetailText.json($0.detail) }
        return try write { db in
            var previous = try AuditRecord.order(Column("seq").desc).fetchOne(db)
            let insert = try db.cachedStatement(sql: """
                INSERT INTO audit (seq, at, kind, actor, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var records: [AuditRecord] = []
            records.reserveCapacity(entries.count)
            for (entry, detail) in zip(entries, texts) {
                // SQLite keeps milliseconds; hash exactly what will be read back.
                let at = Date(timeIntervalSince1970: (entry.at.timeIntervalSince1970 * 1000).rounded() / 1000)
                var record = AuditRecord(seq: (previous?.seq ?? 0) + 1, at: at, kind: entry.kind, actor: entry.actor,
                                         subject: entry.subject, detail: detail,
                                         prevHash: previous?.hash ?? AuditRecord.genesisHash, hash: Data())
                record.hash = try record.expectedHash()
                try insert.execute(arguments: [record.seq, record.at, record.kind.rawValue, record.actor, record.subject,
                                                record.detail, record.prevHash, record.hash])
                records.append(record)
                previous = record
            }
            return records
        }
    }

    /// The newest `limit` records, oldest first.
    public func auditTail(limit: Int) throws(StoreError) -> [AuditRecord] {
        try read { db in
            try AuditRecord.order(Column("seq").desc).limit(limit).fetchAll(db).reversed()
        }
    }

    /// Records after `seq`, oldest first (for `audit tail -f` and export).
    public func audit(after seq: Int64, limit: Int = 1000) throws(StoreError) -> [AuditRecord] {
        try read { db in
            try AuditRecord.filter(Column("seq") > seq).order(Column("seq")).limit(limit).fetchAll(db)
        }
    }

    /// Walks the whole chain and reports the first record that does not fit.
    public func verifyAudit() throws(StoreError) -> AuditVerification {
        try read { db in
            let cursor = try AuditRecord.order(Column("seq")).fetchCursor(db)
            return try AuditChainVerifier.verify(cursor)
        }
    }

    // MARK: Plumbing

    func read<T>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .readFailed(Self.reason(error))
        }
    }

    func write<T>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .writeFailed(Self.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
