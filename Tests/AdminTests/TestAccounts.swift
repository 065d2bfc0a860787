import Foundation
import TestSupport

/// Throwaway Unix users and groups for tier tests: an admin (in the admin group), an operator (in
/// the operator group) and a viewer (in neither), created with `groupadd`/`useradd` and removed
/// with `userdel`/`groupdel`. Commands run as them through util-linux `setpriv`.
struct TestAccounts: Sendable {
    struct Account: Sendable {
        let name: String
        let uid: UInt32
        let gid: UInt32
    }

    let adminGroup: String
    let operatorGroup: String
    let admin: Account
    let `operator`: Account
    let viewer: Account

    /// Whether this process may create accounts (the tests need root, as CI has).
    static var available: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd") }

    /// Creates the accounts, runs `body`, and removes them even when `body` throws.
    static func with(_ body: (TestAccounts) async throws -> Void) async throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let adminGroup = "ggt-adm-\(suffix)", operatorGroup = "ggt-op-\(suffix)"
        var created: (users: [String], groups: [String]) = ([], [])
        do {
            for group in [adminGroup, operatorGroup] {
                try await run("/usr/sbin/groupadd", [group])
                created.groups.append(group)
            }
            var accounts: [Account] = []
            for (role, group) in [("a", adminGroup), ("o", operatorGroup), ("v", nil as String?)] {
                let name = "ggt-\(role)-\(suffix)"
                try await run("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group"]
                              + (group.map { ["--groups", $0] } ?? []) + [name])
                created.users.append(name)
                accounts.append(Account(name: name, uid: try await number("-u", name), gid: try await number("-g", name)))
            }
            try await body(TestAccounts(adminGroup: adminGroup, operatorGroup: operatorGroup,
                                        admin: accounts[0], operator: accounts[1], viewer: accounts[2]))
        } catch {
            await remove(created)
            throw error
        }
        await remove(created)
    }

    /// Runs `executable ARGS` as `account` (its uid, primary gid and the groups the database gives it).
    static func run(as account: Account, _ executable: String, _ arguments: [String], stdin: Data? = nil,
                    environment: [String: String] = [:]) async throws -> ChildProcess.Result {
        var env = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/"]
        env.merge(environment) { $1 }
        return try await ChildProcess.run("/usr/bin/setpriv", [
            "--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups", "--", executable,
        ] + arguments, stdin: stdin, environment: env)
    }

    private static func remove(_ created: (users: [String], groups: [String])) async {
        for user in created.users { _ = try? await ChildProcess.run("/usr/sbin/userdel", [user]) }
        for group in created.groups { _ = try? await ChildProcess.run("/usr/sbin/groupdel", [group]) }
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws {
        let result = try await ChildProcess.run(executable, arguments)
        guard result.status == 0 else {
            throw TestAccountError(message: "\(executable) \(arguments.joined(separator: " ")): \(result.stderr)")
        }
    }

    private static func number(_ flag: String, _ name: String) async throws -> UInt32 {
        let result = try await ChildProcess.run("/usr/bin/id", [flag, name])
        guard result.status == 0, let value = UInt32(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestAccountError(message: "id \(flag) \(name): \(result.stderr)")
        }
        return value
    }
}

struct TestAccountError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
