import Admin
import Foundation
import Store
import Testing
import TestSupport

/// Every tier against every class of command, through the real socket, with `curl` and
/// `gosgatectl` running under other uids (`setpriv`): the daemon's only idea of who calls is the
/// kernel's `SO_PEERCRED`.
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root to create test users (useradd/groupadd)"))
struct AdminTierTests {
    /// One call of each class and what each tier must get.
    private struct Probe {
        let method: String
        let path: String
        let body: String?
        let needs: AdminTier
    }

    @Test func eachTierGetsExactlyItsCommands() async throws {
        try await TestAccounts.with { accounts in
            let policy = AdminAccessPolicy(adminGroup: accounts.adminGroup, operatorGroup: accounts.operatorGroup)
            try await AdminHarness.with(policy: policy) { harness in
                let apiKey = try String(contentsOfFile: harness.apiKeyFile, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let added = try await harness.curl("POST", "/v1/identities", json: """
                    {"name": "org", "environment": "stand", "flow": "api_key", "api_key": "\(apiKey)"}
                    """)
                #expect(added.status == 201, "root adds an identity: \(added.text)")
                let client = try await harness.curl("POST", "/v1/clients", json: #"{"name": "erp", "default_identity": "org"}"#)
                #expect(client.status == 201, "root adds a client: \(client.text)")

                var counter = 0
                func probes() -> [Probe] {
                    counter += 1
                    return [
                        Probe(method: "GET", path: "/v1/status", body: nil, needs: .viewer),
                        Probe(method: "GET", path: "/v1/clients", body: nil, needs: .viewer),
                        Probe(method: "GET", path: "/v1/audit?limit=5", body: nil, needs: .viewer),
                        Probe(method: "POST", path: "/v1/token/login", body: #"{"pin": "12345678"}"#, needs: .operator),
                        Probe(method: "POST", path: "/v1/clients/erp/rotate", body: nil, needs: .operator),
                        Probe(method: "POST", path: "/v1/reload", body: nil, needs: .operator),
                        Probe(method: "POST", path: "/v1/clients", body: #"{"name": "crm\#(counter)"}"#, needs: .admin),
                        Probe(method: "POST", path: "/v1/identities",
                              body: #"{"name": "x\#(counter)", "environment": "stand", "flow": "api_key", "api_key": "k"}"#,
                              needs: .admin),
                    ]
                }
                let callers: [(TestAccounts.Account?, AdminTier, String)] = [
                    (accounts.viewer, .viewer, "viewer"), (accounts.operator, .operator, "operator"),
                    (accounts.admin, .admin, "admin"), (nil, .admin, "root"),
                ]
                for (account, tier, label) in callers {
                    let peer = try await harness.curl("GET", "/v1/peer", as: account)
                    #expect(peer.body["tier"] as? String == tier.rawValue, "\(label): \(peer.text)")
                    if let account {
                        #expect(peer.body["uid"] as? Int == Int(account.uid))
                        #expect(peer.body["gid"] as? Int == Int(account.gid))
                        #expect(peer.body["user"] as? String == account.name)
                    }
                    for probe in probes() {
                        let answer = try await harness.curl(probe.method, probe.path, json: probe.body, as: account)
                        if tier >= probe.needs {
                            #expect((200..<300).contains(answer.status), "\(label) \(probe.method) \(probe.path): \(answer.text)")
                        } else {
                            #expect(answer.status == 403, "\(label) \(probe.method) \(probe.path): \(answer.text)")
                            #expect(answer.body["code"] as? String == "tier_required")
                            #expect(answer.body["required_tier"] as? String == probe.needs.rawValue)
                            #expect((answer.body["message"] as? String ?? "").contains("needs the \(probe.needs) tier"))
                        }
                    }
                }
            }
        }
    }

    @Test func refusedAndAcceptedChangesAreAuditedWithThePeer() async throws {
        try await TestAccounts.with { accounts in
            let policy = AdminAccessPolicy(adminGroup: accounts.adminGroup, operatorGroup: accounts.operatorGroup)
            try await AdminHarness.with(policy: policy) { harness in
                let refused = try await harness.curl("POST", "/v1/token/login", json: #"{"pin": "12345678"}"#, as: accounts.viewer)
                #expect(refused.status == 403)
                let accepted = try await harness.curl("POST", "/v1/token/login", json: #"{"pin": "12345678"}"#, as: accounts.operator)
                #expect(accepted.status == 200, "\(accepted.text)")
                #expect(!accepted.text.contains("12345678"), "the PIN is never echoed")

                let records = try harness.service.store.auditTail(limit: 50).filter { $0.kind == .admin }
                let denied = try #require(records.first { $0.subject == "token.login" && $0.detail.contains(#""outcome":"denied""#) })
                #expect(denied.actor.hasPrefix("uid=\(accounts.viewer.uid) gid=\(accounts.viewer.gid) pid="))
                let done = try #require(records.first { $0.subject == "token.login" && $0.detail.contains(#""outcome":"ok""#) })
                #expect(done.actor.hasPrefix("uid=\(accounts.operator.uid) gid=\(accounts.operator.gid) pid="))
                #expect(done.detail.contains(#""tier":"operator""#))
                let pid = Int(done.actor.split(separator: "=").last ?? "") ?? 0
                #expect(pid > 1, "the pid of the calling curl: \(done.actor)")
                for record in records { #expect(!record.detail.contains("12345678"), "no PIN in the audit log") }

                // Reads are never audited: they change nothing.
                _ = try await harness.curl("GET", "/v1/status", as: accounts.viewer)
                let after = try harness.service.store.auditTail(limit: 50).filter { $0.kind == .admin }
                #expect(after.count == records.count)
            }
        }
    }

    @Test func gosgatectlUnderEachTier() async throws {
        try await TestAccounts.with { accounts in
            let policy = AdminAccessPolicy(adminGroup: accounts.adminGroup, operatorGroup: accounts.operatorGroup)
            try await AdminHarness.with(policy: policy) { harness in
                let pinFile = harness.directory.path("pin.txt")
                try Data("12345678\n".utf8).write(to: URL(fileURLWithPath: pinFile))
                chmod(pinFile, 0o644)

                // A viewer cannot log the token in or add a client: exit 4, one line naming the tier.
                let login = try await harness.ctl(["token", "login", "--pin-file", pinFile], as: accounts.viewer)
                #expect(login.status == 4, "\(login.stderr)")
                #expect(login.stderr.contains("needs the operator tier"), "\(login.stderr)")
                #expect(login.stderr.split(separator: "\n").count == 1)
                let add = try await harness.ctl(["client", "add", "crm"], as: accounts.viewer)
                #expect(add.status == 4, "\(add.stderr)")
                #expect(add.stderr.contains("needs the admin tier"), "\(add.stderr)")
                #expect(try harness.service.store.client(named: "crm") == nil)

                // The operator may log in; no prompt when stdin is not a terminal.
                let noPIN = try await harness.ctl(["token", "login"], as: accounts.operator)
                #expect(noPIN.status == 1)
                #expect(noPIN.stderr.contains("not a terminal"), "\(noPIN.stderr)")
                let operatorLogin = try await harness.ctl(["token", "login", "--pin-file", pinFile], as: accounts.operator)
                #expect(operatorLogin.status == 0, "\(operatorLogin.stderr)")
                let operatorAdd = try await harness.ctl(["client", "add", "crm"], as: accounts.operator)
                #expect(operatorAdd.status == 4)

                // The admin (a group member, not root) adds the client; the key is printed once.
                let adminAdd = try await harness.ctl(["client", "add", "crm"], as: accounts.admin)
                #expect(adminAdd.status == 0, "\(adminAdd.stderr)")
                #expect(adminAdd.stdoutText.contains("gg_"))
                let show = try await harness.ctl(["client", "show", "crm"], as: accounts.viewer)
                #expect(show.status == 0)
                #expect(!show.stdoutText.contains("gg_"), "the key is never shown again")
            }
        }
    }

    @Test func socketModeIsTheFirstGate() async throws {
        try await TestAccounts.with { accounts in
            let policy = AdminAccessPolicy(adminGroup: accounts.adminGroup, operatorGroup: accounts.operatorGroup)
            try await AdminHarness.with(policy: policy, socketMode: 0o660, socketGroup: accounts.adminGroup) { harness in
                let stat = try await ChildProcess.run("/usr/bin/stat", ["-c", "%a %G", harness.socketPath])
                #expect(stat.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "660 \(accounts.adminGroup)")
                // The kernel refuses the viewer before the daemon sees it; gosgatectl says so and exits 4.
                let viewer = try await harness.ctl(["status"], as: accounts.viewer)
                #expect(viewer.status == 4, "\(viewer.stderr)")
                #expect(viewer.stderr.contains("permission denied"))
                let admin = try await harness.curl("GET", "/v1/peer", as: accounts.admin)
                #expect(admin.status == 200)
                #expect(admin.body["tier"] as? String == "admin")
            }
        }
    }
}
