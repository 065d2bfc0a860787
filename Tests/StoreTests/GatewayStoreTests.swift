import Foundation
import Store
import TestSupport
import Testing

@Suite struct GatewayStoreTests {
    @Test func createsAPrivateWALDatabaseWithForeignKeys() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("gosgate.sqlite")
        let store = try GatewayStore(path: path)
        #expect(try store.appliedMigrations() == ["v1-identities-clients-audit"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try await sqlite(path, "PRAGMA journal_mode;") == "wal")
        #expect(try await sqlite(path, "SELECT name FROM sqlite_master WHERE type='table' AND name IN ('identity','client','audit') ORDER BY name;")
                == "audit\nclient\nidentity")
        // Reopening an existing database applies nothing twice.
        let reopened = try GatewayStore(path: path)
        #expect(try reopened.appliedMigrations().count == 1)
    }

    @Test func unopenableLocationSaysSo() {
        #expect(throws: StoreError.self) { try GatewayStore(path: "/nonexistent-dir/x/gosgate.sqlite") }
    }

    @Test func identitiesAreUniqueAndMasked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try GatewayStore(path: dir.path("db.sqlite"))
        let apiKey = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
        try store.addIdentity(Identity(name: "org", environment: "test", flow: .apiKey, apiKey: apiKey))
        #expect(throws: StoreError.duplicate(kind: "identity", name: "org")) {
            try store.addIdentity(Identity(name: "org", environment: "test", flow: .apiKey, apiKey: apiKey))
        }
        #expect(throws: StoreError.self) {
            try store.addIdentity(Identity(name: "nokey", environment: "test", flow: .apiKey))
        }
        let identity = try #require(try store.identity(named: "org"))
        #expect(identity.maskedAPIKey == "3f25…3301")
        #expect(identity.maskedAPIKey?.contains("4f89") == false)
    }

    @Test func clientKeysAuthenticateUntilRevoked() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("db.sqlite")
        let store = try GatewayStore(path: path)
        try store.addIdentity(Identity(name: "org", environment: "test", flow: .apiKey, apiKey: "k-0000-1111-2222"))
        let (client, key) = try store.addClient(name: "erp", defaultIdentity: "org")
        #expect(try store.authenticateClient(presentedKey: key.text)?.name == "erp")

        // The secret is not stored anywhere in the file, only its hash.
        let secretPart = String(key.text.split(separator: "_")[2])
        let dump = try await sqlite(path, ".dump client")
        #expect(!dump.contains(secretPart))
        #expect(dump.contains(client.keyID))

        // A key with one character changed, a malformed key, and an unknown key all fail.
        var tampered = Array(key.text)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        #expect(try store.authenticateClient(presentedKey: String(tampered)) == nil)
        #expect(try store.authenticateClient(presentedKey: "Bearer nonsense") == nil)
        #expect(try store.authenticateClient(presentedKey: GatewayKey.generate().text) == nil)

        try store.revokeClient(named: "erp")
        #expect(try store.authenticateClient(presentedKey: key.text) == nil)
        #expect(throws: StoreError.notFound(kind: "client", name: "crm")) { try store.revokeClient(named: "crm") }
        #expect(throws: StoreError.notFound(kind: "identity", name: "ghost")) {
            _ = try store.addClient(name: "crm", defaultIdentity: "ghost")
        }
    }

    @Test func identityInUseCannotBeRemoved() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try GatewayStore(path: dir.path("db.sqlite"))
        try store.addIdentity(Identity(name: "org", environment: "test", flow: .apiKey, apiKey: "k-0000-1111-2222"))
        _ = try store.addClient(name: "erp", defaultIdentity: "org")
        #expect(throws: StoreError.self) { try store.removeIdentity(named: "org") }
        #expect(try store.identity(named: "org") != nil)
    }
}

@Suite struct AuditChainTests {
    private func filledStore(_ dir: TemporaryDirectory, records: Int = 5) throws -> (GatewayStore, String) {
        let path = dir.path("audit.sqlite")
        let store = try GatewayStore(path: path)
        for index in 1...records {
            try store.appendAudit(kind: .proxy, actor: "erp", subject: "order.create",
                                  detail: ["status": "200", "n": "\(index)"])
        }
        return (store, path)
    }

    @Test func intactChainVerifies() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (store, _) = try filledStore(dir)
        let verification = try store.verifyAudit()
        #expect(verification.isIntact)
        #expect(verification.count == 5)
        #expect(try verification.headHash == store.auditTail(limit: 1).last?.hash)
    }

    /// The first record's hash, recomputed by the openssl CLI from the documented layout.
    @Test func recordHashIsStreebogOverTheDocumentedLayout() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try GatewayStore(path: dir.path("a.sqlite"))
        let at = Date(timeIntervalSince1970: 1_700_000_000.123)
        let record = try store.appendAudit(kind: .admin, actor: "uid=0", subject: "client.add",
                                           detail: ["name": "erp"], at: at)
        var input = Data(repeating: 0, count: 32)
        for field in ["1", "1700000000123", "admin", "uid=0", "client.add", #"{"name":"erp"}"#] {
            let bytes = Data(field.utf8)
            input.append(contentsOf: [0, 0, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)])
            input.append(bytes)
        }
        let output = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary"], stdin: input)
        #expect(record.hash == output.stdout)
    }

    @Test func editedDeletedAndReorderedRowsAreDetected() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (_, path) = try filledStore(dir)
        let tampering: [(String, Int64, String)] = [
            ("UPDATE audit SET detail='{\"n\":\"3\",\"status\":\"500\"}' WHERE seq=3;", 3, "changed"),
            ("DELETE FROM audit WHERE seq=2;", 3, "missing"),
            ("UPDATE audit SET seq=100 WHERE seq=2; UPDATE audit SET seq=2 WHERE seq=4; UPDATE audit SET seq=4 WHERE seq=100;",
             2, "chain"),
        ]
        for (sql, brokenSeq, word) in tampering {
            let copy = dir.path("copy-\(brokenSeq)-\(word).sqlite")
            _ = try await sqlite(path, "VACUUM INTO '\(copy)';")
            _ = try await sqlite(copy, sql)
            let verification = try GatewayStore(path: copy).verifyAudit()
            #expect(!verification.isIntact, "tampering not detected: \(sql)")
            #expect(verification.firstBreak?.seq == brokenSeq, "\(sql)")
            #expect(verification.firstBreak?.reason.contains(word) == true, "\(verification.firstBreak?.reason ?? "")")
        }
    }

    @Test func concurrentAppendsFormOneChain() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try GatewayStore(path: dir.path("c.sqlite"))
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask { _ = try? store.appendAudit(kind: .proxy, actor: "c\(index % 5)", subject: "s") }
            }
        }
        let verification = try store.verifyAudit()
        #expect(verification.isIntact)
        #expect(verification.count == 50)
    }
}

/// The detail text of a record is JSON that Python's `json` module reads back as exactly the detail
/// given, keys in order — whatever the values hold.
@Suite struct AuditDetailTextTests {
    @Test func storedDetailIsJSONThatPythonReadsBackExactly() async throws {
        let details: [[String: String]] = [
            [:],
            ["path": "/api/gusmev/order", "status": "200"],
            ["quote": #"say "hi""#, "backslash": #"C:\temp\"#, "slash": "a/b"],
            ["controls": "line\nfeed\rreturn\ttab\u{08}bs\u{0C}ff\u{01}\u{1F}\u{7F}", "nul": "a\u{0}b"],
            ["кириллица": "Заявление № 5 — «принято»", "emoji": "👍🏽", "B": "upper", "a": "lower", "ä": "umlaut"],
        ]
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try GatewayStore(path: directory.path("detail.sqlite"))
        let texts = try details.map { try store.appendAudit(kind: .proxy, actor: "t", detail: $0).detail }
        #expect(!texts.contains { $0.contains("\n") }, "one line each")

        let script = """
        import json, sys
        for line in sys.stdin.read().split("\\n"):
            value = json.loads(line)
            print(json.dumps([list(value.keys()), value], ensure_ascii=True))
        """
        let parsed = try await ChildProcess.run("/usr/bin/python3", ["-c", script], stdin: Data(texts.joined(separator: "\n").utf8))
        try #require(parsed.status == 0, "python could not read the detail: \(parsed.stderr)")
        let lines = parsed.stdoutText.split(separator: "\n")
        try #require(lines.count == details.count)
        for (line, detail) in zip(lines, details) {
            let pair = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
            let keys = try #require(pair[0] as? [String])
            let value = try #require(pair[1] as? [String: String])
            #expect(value == detail)
            #expect(keys == detail.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
        #expect(try store.verifyAudit().isIntact)
    }
}
