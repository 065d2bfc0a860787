import Admin
import Foundation
import Testing
import TestSupport

/// Admin calls while internal systems use the gateway: the proxied calls all succeed, the admin
/// calls all succeed, and the audit chain holds one record per proxied call.
@Suite(.serialized)
struct AdminUnderLoadTests {
    @Test func adminCallsDoNotDisturbProxying() async throws {
        try await AdminHarness.with { harness in
            #expect(try await harness.ctl(["identity", "add", "org", "--environment", "stand", "--api-key-file", harness.apiKeyFile]).status == 0)
            #expect(try await harness.ctl(["identity", "test", "org"]).status == 0)
            let added = try await harness.ctl(["client", "add", "erp", "--identity", "org", "--json"])
            let key = try #require((try JSONSerialization.jsonObject(with: added.stdout) as? [String: Any])?["key"] as? String)
            let proxyAuditBefore = try harness.service.store.auditTail(limit: 10_000).filter { $0.kind == .proxy }.count

            let requests = 200
            let url = "http://127.0.0.1:\(harness.gatewayPort)/api/gusmev/order/getUpdatedAfter?updatedAfter=2025-01-01T00:00:00.000"
            // One curl, eight transfers at a time; each line of its -w output is one call's status.
            let transfers = harness.directory.path("transfers.curlrc")
            try String(repeating: "url = \"\(url)\"\noutput = \"/dev/null\"\n", count: requests)
                .write(toFile: transfers, atomically: true, encoding: .utf8)
            async let load = ChildProcess.run("/usr/bin/curl", [
                "-sS", "--parallel", "--parallel-max", "8", "-H", "X-Gosgate-Key: \(key)", "-w", "%{http_code}\\n",
                "-K", transfers,
            ], timeout: 300)

            // Meanwhile, several admins at once: reads, a rotation of another client, reloads.
            #expect(try await harness.ctl(["client", "add", "spare"]).status == 0)
            let adminStatuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var statuses: [Int] = []
                        for round in 0..<6 {
                            let calls: [(String, String)] = [
                                ("GET", "/v1/status"), ("GET", "/v1/quota"), ("GET", "/v1/audit?limit=20"),
                                ("GET", "/v1/clients"),
                                worker == 0 ? ("POST", "/v1/clients/spare/rotate") : ("GET", "/v1/identities"),
                                round % 3 == 0 ? ("POST", "/v1/reload") : ("GET", "/v1/token"),
                            ]
                            for (method, path) in calls {
                                statuses.append(try await harness.curl(method, path).status)
                            }
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let reply = try await load
            let codes = reply.stdoutText.split(separator: "\n").compactMap { Int($0) }
            #expect(codes.count == requests, "\(reply.stderr)")
            #expect(codes.allSatisfy { $0 == 200 }, "proxied codes: \(Dictionary(grouping: codes, by: { $0 }).mapValues(\.count))")
            #expect(adminStatuses.count == 4 * 6 * 6)
            #expect(adminStatuses.allSatisfy { (200..<300).contains($0) }, "admin statuses: \(Set(adminStatuses))")

            let proxyAudit = try harness.service.store.auditTail(limit: 10_000).filter { $0.kind == .proxy }.count
            #expect(proxyAudit - proxyAuditBefore == requests, "one audit record per proxied call")
            #expect(try harness.service.store.verifyAudit().isIntact)
        }
    }
}
