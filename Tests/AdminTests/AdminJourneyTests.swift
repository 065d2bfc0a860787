import Admin
import Foundation
import Testing
import TestSupport

/// What docs/operations.md walks an admin through, with `gosgatectl` alone: an identity, a token,
/// a client, a call through the gateway, and watching it in status, quota and the audit log. Every
/// `--json` answer is checked against the published schema.
@Suite(.serialized)
struct AdminJourneyTests {
    private func json(_ result: ChildProcess.Result) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any] ?? [:]
    }

    private func expectSchema(_ result: ChildProcess.Result, _ name: String, lines: Bool = false,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard PublishedSchema.available else {
            Issue.record("python3 jsonschema is not installed (pip install jsonschema): --json output is NOT validated",
                         sourceLocation: sourceLocation)
            return
        }
        let problems = try await PublishedSchema.problems(result.stdout, against: name, lines: lines)
        #expect(problems.isEmpty, "\(name).json: \(problems.joined(separator: "; "))\n\(result.stdoutText)",
                sourceLocation: sourceLocation)
    }

    @Test func installIdentityAndClientThenWatchTraffic() async throws {
        try await AdminHarness.with { harness in
            let identity = try await harness.ctl(["identity", "add", "org", "--environment", "stand",
                                                  "--api-key-file", harness.apiKeyFile, "--json"])
            #expect(identity.status == 0, "\(identity.stderr)")
            try await expectSchema(identity, "identity")
            let apiKey = try String(contentsOfFile: harness.apiKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!identity.stdoutText.contains(apiKey), "the API-KEY is shown masked")

            let test = try await harness.ctl(["identity", "test", "org", "--json"])
            #expect(test.status == 0, "\(test.stdoutText) \(test.stderr)")
            try await expectSchema(test, "identity-test")
            let steps = json(test)["steps"] as? [[String: Any]] ?? []
            #expect(steps.map { $0["name"] as? String } == ["identity", "signer", "esia", "manager"])
            #expect(steps.allSatisfy { $0["ok"] as? Bool == true })
            let people = try await harness.ctl(["identity", "test", "org"])
            #expect(people.stdoutText.contains("token obtained"), "\(people.stdoutText)")

            let added = try await harness.ctl(["client", "add", "erp", "--identity", "org", "--route", "orders.updated_after",
                                               "--allow-ip", "127.0.0.0/8", "--json"])
            #expect(added.status == 0, "\(added.stderr)")
            try await expectSchema(added, "client-key")
            let key = try #require(json(added)["key"] as? String)

            let call = try await harness.proxied(key: key)
            #expect(call.status == 200, "\(call.text)")
            let forbiddenRoute = try await harness.proxied(key: key, path: "/api/gusmev/order/getOrdersStatus?orderIds=1")
            #expect(forbiddenRoute.status == 403, "the client may only call the route it was given: \(forbiddenRoute.text)")

            let status = try await harness.ctl(["status", "--json"])
            #expect(status.status == 0, "ready after the token was obtained: \(status.stdoutText) \(status.stderr)")
            try await expectSchema(status, "status")
            let report = json(status)
            #expect(report["ready"] as? Bool == true)
            let identities = report["identities"] as? [[String: Any]] ?? []
            #expect(identities.first?["state"] as? String == "fresh")
            #expect((identities.first?["expires_in_seconds"] as? Int ?? 0) > 0)
            let upstreams = report["upstreams"] as? [[String: Any]] ?? []
            #expect(upstreams.count == 2 && upstreams.allSatisfy { $0["reachable"] as? Bool == true })
            let audit = report["audit"] as? [String: Any] ?? [:]
            #expect((audit["length"] as? Int ?? 0) > 0)
            let humanStatus = try await harness.ctl(["status"])
            #expect(humanStatus.stdoutText.contains("Ready"))
            #expect(humanStatus.stdoutText.contains("org"))

            let quota = try await harness.ctl(["quota", "show", "--json"])
            try await expectSchema(quota, "quota")
            let counters = json(quota)["counters"] as? [[String: Any]] ?? []
            let minute = try #require(counters.first { $0["window"] as? String == "minute" })
            #expect(minute["used"] as? Int == 1, "one call counted against EPGU's per-minute limit")

            let tail = try await harness.ctl(["audit", "tail", "-n", "50", "--json"])
            try await expectSchema(tail, "audit-tail")
            let records = json(tail)["records"] as? [[String: Any]] ?? []
            #expect(records.contains { $0["kind"] as? String == "proxy" && $0["actor"] as? String == "erp" }, "\(tail.stdoutText)")
            #expect(records.contains { $0["kind"] as? String == "admin" && ($0["subject"] as? String ?? "").hasPrefix("client.add erp") })
            #expect(!tail.stdoutText.contains(key), "keys never reach the audit log")

            // Rotation: the old key is refused at once, the new one works.
            let rotated = try await harness.ctl(["client", "rotate", "erp", "--json"])
            try await expectSchema(rotated, "client-key")
            let newKey = try #require(json(rotated)["key"] as? String)
            #expect(try await harness.proxied(key: key).status == 401)
            #expect(try await harness.proxied(key: newKey).status == 200)

            let list = try await harness.ctl(["client", "list", "--json"])
            try await expectSchema(list, "client-list")
            let revoke = try await harness.ctl(["client", "revoke", "erp", "--json"])
            try await expectSchema(revoke, "action")
            #expect(try await harness.proxied(key: newKey).status == 401)

            let identities2 = try await harness.ctl(["identity", "list", "--json"])
            try await expectSchema(identities2, "identity-list")
            let token = try await harness.ctl(["token", "status", "--json"])
            try await expectSchema(token, "token")
            #expect(json(token)["driver"] as? String == "file")
            let peer = try await harness.curl("GET", "/v1/peer")
            #expect(peer.body["tier"] as? String == "admin", "root is an admin")
        }
    }

    @Test func refusalsAreOneLineWithStableExitCodes() async throws {
        try await AdminHarness.with { harness in
            let missing = try await harness.ctl(["client", "show", "nobody"])
            #expect(missing.status == 1)
            #expect(missing.stderr == "gosgatectl: no client named \"nobody\"\n")
            let missingJSON = try await harness.ctl(["client", "show", "nobody", "--json"])
            #expect(missingJSON.status == 1)
            try await expectSchema(missingJSON, "error")
            #expect(json(missingJSON)["code"] as? String == "not_found")

            let badEnvironment = try await harness.ctl(["identity", "add", "x", "--environment", "nowhere",
                                                        "--api-key-file", harness.apiKeyFile])
            #expect(badEnvironment.status == 1)
            #expect(badEnvironment.stderr.contains("use one of: stand"), "\(badEnvironment.stderr)")

            let badBlock = try await harness.ctl(["client", "add", "x", "--allow-ip", "10.0.0.0/33"])
            #expect(badBlock.status == 1)
            #expect(badBlock.stderr.contains("not an address block"), "\(badBlock.stderr)")

            let nowhere = try await ChildProcess.run(try BuiltProducts.path("gosgatectl"),
                                                     ["status", "--socket", harness.directory.path("absent.sock")])
            #expect(nowhere.status == 3)
            #expect(nowhere.stderr.contains("is gosgated running?"), "\(nowhere.stderr)")

            // Through curl too: a wrong method and an unknown path answer JSON errors.
            let wrongMethod = try await harness.curl("DELETE", "/v1/status")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.body["code"] as? String == "method_not_allowed")
            let unknown = try await harness.curl("GET", "/v2/status")
            #expect(unknown.status == 404)
        }
    }

    @Test func auditTailFollowsNewRecords() async throws {
        try await AdminHarness.with { harness in
            let follower = try FollowedProcess(try BuiltProducts.path("gosgatectl"),
                                               ["audit", "tail", "-f", "-n", "1", "--json", "--socket", harness.socketPath])
            defer { follower.stop() }
            // The first line is the newest existing record; a change made now must follow it.
            _ = try await follower.nextLine(timeout: 30)
            let added = try await harness.ctl(["client", "add", "followed"])
            #expect(added.status == 0)
            var seen = false
            for _ in 0..<5 {
                let line = try await follower.nextLine(timeout: 30)
                let record = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
                if (record["subject"] as? String ?? "").hasPrefix("client.add followed") { seen = true; break }
            }
            #expect(seen, "audit tail -f printed the new record")
        }
    }
}
