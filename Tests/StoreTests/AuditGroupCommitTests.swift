import Foundation
import Store
import TestSupport
import Testing

/// Group commit: calls finishing together share one transaction, each caller returns once its own
/// record is committed, and a failed transaction fails every event in it and leaves the chain whole.
/// Another process (Python's sqlite3 module) holds the write lock so that the events pile up.
@Suite struct AuditGroupCommitTests {
    /// Holds SQLite's write lock on `path` from another process for `seconds`; returns once it is held.
    private static func holdWriteLock(_ path: String, seconds: Double, in directory: TemporaryDirectory)
        async throws -> Task<ChildProcess.Result, any Error> {
        let marker = directory.path("locked")
        let script = """
        import sqlite3, sys, time
        con = sqlite3.connect(sys.argv[1], isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        open(sys.argv[2], "w").close()
        time.sleep(float(sys.argv[3]))
        con.execute("ROLLBACK")
        """
        let holder = Task { try await ChildProcess.run("/usr/bin/python3", ["-c", script, path, marker, String(seconds)]) }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: marker) {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(FileManager.default.fileExists(atPath: marker), "python did not take the write lock")
        return holder
    }

    @Test func eventsArrivingDuringACommitShareTheNextOne() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("audit.sqlite")
        let store = try GatewayStore(path: path)
        let commit = AuditGroupCommit(store: store)
        let holder = try await Self.holdWriteLock(path, seconds: 0.5, in: directory)

        let sequenceNumbers = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let record = try await commit.append(AuditEntry(kind: .proxy, actor: "client-\(index % 7)", subject: "order"))
                    // Returned means committed: another connection (the sqlite3 CLI) already sees it.
                    let visible = try await sqlite(path, "SELECT count(*) FROM audit WHERE seq = \(record.seq);")
                    #expect(visible == "1", "record \(record.seq) returned before it was committed")
                    return record.seq
                }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(try await holder.value.status == 0)

        #expect(Set(sequenceNumbers) == Set(1...200))
        #expect(commit.commitCount <= 2, "200 events waiting on one lock took \(commit.commitCount) commits")
        #expect(try await sqlite(path, "SELECT count(*), count(DISTINCT seq), max(seq) FROM audit;") == "200|200|200")
        let verification = try store.verifyAudit()
        #expect(verification.isIntact)
    }

    @Test func aFailedTransactionFailsEveryEventInItAndTheNextOneWorks() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("audit.sqlite")
        let store = try GatewayStore(path: path)
        try store.appendAudit(kind: .system, actor: "gosgated", subject: "start")
        // The database refuses one actor, as a full disk or a broken file would refuse everything.
        _ = try await sqlite(path, """
            CREATE TRIGGER refuse_poison BEFORE INSERT ON audit WHEN NEW.actor = 'poison'
            BEGIN SELECT RAISE(ABORT, 'poison refused'); END;
            """)
        let commit = AuditGroupCommit(store: store)
        let holder = try await Self.holdWriteLock(path, seconds: 0.5, in: directory)

        // The first event starts a transaction that waits for the lock; the next eleven queue behind
        // it and go into the second transaction together, the poisoned one among them.
        async let first = commit.append(AuditEntry(kind: .proxy, actor: "early", subject: "order"))
        try await Task.sleep(for: .milliseconds(100))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<11 {
                group.addTask {
                    do {
                        _ = try await commit.append(AuditEntry(kind: .proxy, actor: index == 5 ? "poison" : "c\(index)", subject: "order"))
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(try await first.seq == 2)
        #expect(try await holder.value.status == 0)
        #expect(outcomes == Array(repeating: false, count: 11), "every event of the failed transaction fails")
        #expect(try await sqlite(path, "SELECT group_concat(actor) FROM audit ORDER BY seq;") == "gosgated,early")

        let after = try await commit.append(AuditEntry(kind: .proxy, actor: "later", subject: "order"))
        #expect(after.seq == 3)
        #expect(try store.verifyAudit().isIntact)
    }
}
