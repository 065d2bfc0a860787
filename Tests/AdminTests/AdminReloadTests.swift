import Admin
import Foundation
import Store
import Testing
import TestSupport

/// `reload` validates first: a broken file changes nothing and says why; a good one is applied
/// without dropping connections.
@Suite(.serialized)
struct AdminReloadTests {
    @Test func brokenFileChangesNothingAndSaysWhy() async throws {
        try await AdminHarness.with { harness in
            let identity = try await harness.ctl(["identity", "add", "org", "--environment", "stand", "--api-key-file", harness.apiKeyFile])
            #expect(identity.status == 0, "\(identity.stderr)")
            #expect(try await harness.ctl(["identity", "test", "org"]).status == 0)
            let added = try await harness.ctl(["client", "add", "erp", "--identity", "org", "--json"])
            let key = try #require((try JSONSerialization.jsonObject(with: added.stdout) as? [String: Any])?["key"] as? String)
            let generation = await harness.service.identities.identity(named: "org")?.tokens.status().generation
            #expect(generation != nil)

            let good = try String(contentsOfFile: harness.configurationPath, encoding: .utf8)
            let broken = good.replacingOccurrences(of: "driver: file", with: "driver: pkcs12")
                .replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: nowhere")
            try broken.write(toFile: harness.configurationPath, atomically: true, encoding: .utf8)

            let reload = try await harness.ctl(["reload"])
            #expect(reload.status == 2, "\(reload.stderr)")
            #expect(reload.stderr.contains("nothing was changed"), "\(reload.stderr)")
            #expect(reload.stderr.contains("token.driver"))
            #expect(reload.stderr.contains("health.listen"))
            let driverLine = try #require(broken.split(separator: "\n", omittingEmptySubsequences: false)
                .firstIndex { $0.contains("pkcs12") }) + 1
            #expect(reload.stderr.contains("line \(driverLine):"), "issues carry their line: \(reload.stderr)")
            let reloadJSON = try await harness.ctl(["reload", "--json"])
            #expect(reloadJSON.status == 2)
            let refusal = (try? JSONSerialization.jsonObject(with: reloadJSON.stdout)) as? [String: Any] ?? [:]
            #expect(refusal["code"] as? String == "config_invalid")
            let keys = Set((refusal["issues"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String })
            #expect(keys.isSuperset(of: ["token.driver", "health.listen"]), "every problem is listed: \(keys)")

            let check = try await harness.ctl(["config", "check"])
            #expect(check.status == 2)
            let offline = try await harness.ctl(["config", "check", harness.configurationPath, "--json"])
            #expect(offline.status == 2)
            if PublishedSchema.available {
                #expect(try await PublishedSchema.problems(offline.stdout, against: "config-check").isEmpty)
                #expect(try await PublishedSchema.problems(reloadJSON.stdout, against: "error").isEmpty)
            }

            // The running gateway is untouched: same token, calls still go through, status answers.
            #expect(await harness.service.identities.identity(named: "org")?.tokens.status().generation == generation)
            #expect(try await harness.proxied(key: key).status == 200)
            let status = try await harness.ctl(["status", "--json"])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(harness.service.configuration.token.driver == .file)

            let audited = try harness.service.store.auditTail(limit: 30).filter { $0.subject == "reload" }
            #expect(audited.contains { $0.detail.contains(#""code":"config_invalid""#) && $0.detail.contains(#""outcome":"failed""#) })
        }
    }

    @Test func goodFileIsAppliedWithoutDroppingConnections() async throws {
        try await AdminHarness.with { harness in
            let follower = try FollowedProcess(try BuiltProducts.path("gosgatectl"),
                                               ["audit", "tail", "-f", "-n", "1", "--socket", harness.socketPath])
            defer { follower.stop() }
            _ = try await follower.nextLine(timeout: 30)

            // An identity written to the store by another path is picked up by reload.
            let apiKey = try String(contentsOfFile: harness.apiKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            try harness.service.store.addIdentity(Identity(name: "late", environment: "stand", flow: .apiKey, apiKey: apiKey))
            let before = try await harness.curl("GET", "/v1/identities/late")
            #expect((before.body["token"] as? [String: Any]) == nil, "not loaded before the reload")

            let changed = try String(contentsOfFile: harness.configurationPath, encoding: .utf8) + "quotas:\n  per_minute: 100\n"
            try changed.write(toFile: harness.configurationPath, atomically: true, encoding: .utf8)
            let reload = try await harness.ctl(["reload", "--json"])
            #expect(reload.status == 0, "\(reload.stderr)")
            let report = (try? JSONSerialization.jsonObject(with: reload.stdout)) as? [String: Any] ?? [:]
            #expect(report["restart_required"] as? [String] == ["quotas"])
            #expect(report["identities"] as? Int == 1)
            if PublishedSchema.available {
                #expect(try await PublishedSchema.problems(reload.stdout, against: "reload").isEmpty)
            }
            #expect(harness.service.identities.identity(named: "late") != nil)

            // The follower's connection survived the reload and sees the reload's own record.
            var sawReload = false
            for _ in 0..<5 {
                if try await follower.nextLine(timeout: 30).contains(" reload ") { sawReload = true; break }
            }
            #expect(sawReload)
        }
    }
}
