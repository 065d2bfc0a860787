import Admin
import Foundation
import Store
import Testing
import TestSupport

/// `gosgatectl audit verify --file` against copies of the database tampered with by `sqlite3`, and
/// against exports: every edited, deleted or reordered row is found, and so is a cut-off end when
/// the expected head is given.
@Suite struct AuditVerifyTests {
    /// A database with eight audit records written by the store, and a copy made by `sqlite3 .backup`.
    private func withCopy(_ body: (String, String, GatewayStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "gosgate-audit")
        defer { directory.remove() }
        let store = try GatewayStore(path: directory.path("gosgate.sqlite"))
        for index in 1...8 {
            try store.appendAudit(kind: index % 2 == 0 ? .admin : .proxy, actor: "uid=0 gid=0 pid=\(100 + index)",
                                  subject: "event \(index)", detail: ["n": String(index)])
        }
        let copy = directory.path("copy.sqlite")
        let backup = try await ChildProcess.run("/usr/bin/sqlite3", [store.path, ".backup '\(copy)'"])
        #expect(backup.status == 0, "\(backup.stderr)")
        try await body(copy, AuditExport.hex(try store.auditHead().hash), store)
    }

    private func sqlite(_ path: String, _ sql: String) async throws {
        let result = try await ChildProcess.run("/usr/bin/sqlite3", [path, sql])
        #expect(result.status == 0, "\(sql): \(result.stderr)")
    }

    private func verify(_ path: String, _ extra: [String] = []) async throws -> (status: Int32, report: [String: Any], text: String) {
        let result = try await ChildProcess.run(try BuiltProducts.path("gosgatectl"), ["audit", "verify", "--file", path, "--json"] + extra)
        let report = (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any] ?? [:]
        if PublishedSchema.available {
            #expect(try await PublishedSchema.problems(result.stdout, against: "audit-verify").isEmpty, "\(result.stdoutText)")
        }
        return (result.status, report, result.stdoutText + result.stderr)
    }

    @Test func intactCopyVerifiesToTheStoresHead() async throws {
        try await withCopy { copy, head, _ in
            let result = try await verify(copy, ["--head", head])
            #expect(result.status == 0, "\(result.text)")
            #expect(result.report["intact"] as? Bool == true)
            #expect(result.report["source"] as? String == "database")
            let count = try await ChildProcess.run("/usr/bin/sqlite3", [copy, "SELECT count(*) FROM audit"])
            #expect(result.report["count"] as? Int == Int(count.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(result.report["head_hash"] as? String == head)
        }
    }

    @Test func editedRowIsFound() async throws {
        try await withCopy { copy, _, _ in
            try await sqlite(copy, "UPDATE audit SET actor = 'uid=1000 gid=1000 pid=1' WHERE seq = 3")
            let result = try await verify(copy)
            #expect(result.status == 6)
            #expect(result.report["broken_at"] as? Int == 3)
            #expect((result.report["reason"] as? String ?? "").contains("changed"), "\(result.text)")
            #expect(result.report["count"] as? Int == 2, "records before the edit still verify")
        }
    }

    @Test func editedDetailIsFound() async throws {
        try await withCopy { copy, _, _ in
            try await sqlite(copy, #"UPDATE audit SET detail = '{"n":"700"}' WHERE seq = 7"#)
            let result = try await verify(copy)
            #expect(result.status == 6)
            #expect(result.report["broken_at"] as? Int == 7)
        }
    }

    @Test func deletedRowIsFound() async throws {
        try await withCopy { copy, _, _ in
            try await sqlite(copy, "DELETE FROM audit WHERE seq = 4")
            let result = try await verify(copy)
            #expect(result.status == 6)
            #expect(result.report["broken_at"] as? Int == 5)
            #expect((result.report["reason"] as? String ?? "").contains("missing"), "\(result.text)")
        }
    }

    @Test func reorderedRowsAreFound() async throws {
        try await withCopy { copy, _, _ in
            try await sqlite(copy, "UPDATE audit SET seq = -3 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = -3;")
            let result = try await verify(copy)
            #expect(result.status == 6)
            #expect(result.report["broken_at"] as? Int == 3)
            #expect((result.report["reason"] as? String ?? "").contains("does not chain"), "\(result.text)")
        }
    }

    @Test func cutOffEndIsFoundWithTheExpectedHead() async throws {
        try await withCopy { copy, head, _ in
            try await sqlite(copy, "DELETE FROM audit WHERE seq >= 7")
            let alone = try await verify(copy)
            #expect(alone.status == 0, "a shorter chain is still a valid chain")
            let withHead = try await verify(copy, ["--head", head])
            #expect(withHead.status == 6)
            #expect((withHead.report["reason"] as? String ?? "").contains("missing from its end"), "\(withHead.text)")
            let human = try await ChildProcess.run(try BuiltProducts.path("gosgatectl"), ["audit", "verify", "--file", copy, "--head", head])
            #expect(human.stdoutText.contains("AUDIT CHAIN BROKEN"), "\(human.stdoutText)")
        }
    }

    @Test func exportVerifiesOfflineAndTamperingIsFound() async throws {
        try await AdminHarness.with { harness in
            #expect(try await harness.ctl(["client", "add", "a"]).status == 0)
            try await Task.sleep(for: .milliseconds(1100))
            let since = Date().formatted(.iso8601)
            for name in ["b", "c"] { #expect(try await harness.ctl(["client", "add", name]).status == 0) }
            let status = try await harness.ctl(["status", "--json"])
            let head = ((try JSONSerialization.jsonObject(with: status.stdout) as? [String: Any])?["audit"] as? [String: Any])?["head_hash"] as? String
            let export = harness.directory.path("audit.jsonl")
            let exported = try await harness.ctl(["audit", "export", "--format", "jsonl", "--output", export])
            #expect(exported.status == 0, "\(exported.stderr)")
            let text = try String(contentsOfFile: export, encoding: .utf8)
            if PublishedSchema.available {
                #expect(try await PublishedSchema.problems(Data(text.utf8), against: "audit-export-line", lines: true).isEmpty)
            }
            let intact = try await verify(export, ["--head", try #require(head)])
            #expect(intact.status == 0, "\(intact.text)")
            #expect(intact.report["source"] as? String == "export")

            // The same export through curl, as an independent client of the stream.
            let viaCurl = try await Curl.run(["--unix-socket", harness.socketPath, "http://gosgate/v1/audit/export"])
            #expect(viaCurl.status == 200)
            #expect(viaCurl.headers["transfer-encoding"] == "chunked")
            let lines = text.split(separator: "\n")
            #expect(viaCurl.text.split(separator: "\n").dropFirst().prefix(lines.count - 2) == lines.dropFirst().prefix(lines.count - 2),
                    "the same records, whoever reads them")

            // A record edited in the file.
            let edited = harness.directory.path("edited.jsonl")
            var editedLines = lines.map(String.init)
            editedLines[2] = editedLines[2].replacingOccurrences(of: "\"subject\":\"", with: "\"subject\":\"x")
            try (editedLines.joined(separator: "\n") + "\n").write(toFile: edited, atomically: true, encoding: .utf8)
            #expect(try await verify(edited).status == 6)

            // A record dropped from the middle.
            let dropped = harness.directory.path("dropped.jsonl")
            var droppedLines = lines.map(String.init)
            droppedLines.remove(at: 2)
            try (droppedLines.joined(separator: "\n") + "\n").write(toFile: dropped, atomically: true, encoding: .utf8)
            let droppedResult = try await verify(dropped)
            #expect(droppedResult.status == 6)
            #expect((droppedResult.report["reason"] as? String ?? "").contains("missing"))

            // Cut short: no trailer.
            let cut = harness.directory.path("cut.jsonl")
            try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: cut, atomically: true, encoding: .utf8)
            let cutResult = try await verify(cut)
            #expect(cutResult.status == 6)
            #expect((cutResult.report["reason"] as? String ?? "").contains("cut short"))

            // A partial export (--since) chains from its anchor and still verifies.
            let recent = harness.directory.path("recent.jsonl")
            #expect(try await harness.ctl(["audit", "export", "--since", since, "-o", recent]).status == 0)
            let partial = try await verify(recent, ["--head", try #require(head)])
            #expect(partial.status == 0, "\(partial.text)")
            #expect((partial.report["first_seq"] as? Int ?? 0) > 1, "the export starts at the first record since \(since)")
            let future = harness.directory.path("future.jsonl")
            #expect(try await harness.ctl(["audit", "export", "--since", "2999-01-01", "-o", future]).status == 0)
            let empty = try await verify(future)
            #expect(empty.status == 0, "\(empty.text)")
            #expect(empty.report["count"] as? Int == 0)
        }
    }
}
