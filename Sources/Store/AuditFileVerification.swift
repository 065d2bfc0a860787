import Foundation
import GRDB

/// The outcome of checking an audit chain held in a file: a copy of the gateway's database, or a
/// JSON Lines export.
public struct AuditFileVerification: Sendable, Equatable {
    /// What kind of file was checked.
    public enum Source: String, Sendable {
        case database, export
    }

    /// Where the chain stops being trustworthy.
    public struct Problem: Sendable, Equatable {
        /// The record at fault, when one can be named.
        public let seq: Int64?
        public let reason: String
    }

    public let source: Source
    /// The first record checked (1 for a database or a full export).
    public let firstSeq: Int64
    /// Records that verified.
    public let count: Int
    /// The last record that verified, and its hash.
    public let headSeq: Int64
    public let headHash: Data
    public let problem: Problem?

    public var isIntact: Bool { problem == nil }

    /// Checks `path`: an SQLite database (opened read-only, never migrated or changed) or an export.
    public static func check(path: String) throws(StoreError) -> AuditFileVerification {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .cannotOpen(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "permission denied" : "no such file")
        }
        let magic = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        if magic == Data("SQLite format 3\u{0}".utf8) { return try checkDatabase(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotOpen(path: path, reason: "not readable")
        }
        return AuditExport.verify(data)
    }

    private static func checkDatabase(path: String) throws(StoreError) -> AuditFileVerification {
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        do {
            return try queue.read { db in
                var verifier = AuditRangeVerifier()
                let cursor = try AuditRecord.order(Column("seq")).fetchCursor(db)
                while let record = try cursor.next() {
                    guard try verifier.add(record) else { break }
                }
                return AuditFileVerification(
                    source: .database, firstSeq: 1, count: verifier.count, headSeq: verifier.headSeq,
                    headHash: verifier.headHash,
                    problem: verifier.firstBreak.map { Problem(seq: $0.seq, reason: $0.reason) })
            }
        } catch {
            throw .readFailed("\(path): \(error)")
        }
    }
}
