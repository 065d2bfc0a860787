import Admin
import ArgumentParser

/// `gosgatectl client …`: internal systems and their gateway keys.
struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Add, list, show, revoke and rotate the keys of internal systems.",
        subcommands: [ClientListCommand.self, ClientShowCommand.self, ClientAddCommand.self,
                      ClientRevokeCommand.self, ClientRotateCommand.self]
    )

    /// The `/v1/clients/NAME` path.
    static func path(_ name: String, _ suffix: String = "") -> String {
        "/v1/clients/\(AdminConsole.segment(name))\(suffix)"
    }

    /// A client in lines.
    static func render(_ client: ClientInfo) -> String {
        var lines = [
            "name               \(client.name)",
            "key id             \(client.keyId)",
            "default identity   \(client.defaultIdentity ?? "-")",
            "other identities   \(HumanFormat.list(client.allowedIdentities))",
            "routes             \(HumanFormat.list(client.allowedRoutes))",
            "addresses          \(client.ipAllow.isEmpty ? "any" : HumanFormat.list(client.ipAllow))",
            "rate per minute    \(client.ratePerMinute.map(String.init) ?? "-")",
            "created            \(HumanFormat.time(client.createdAt))",
        ]
        if client.revoked { lines.append("REVOKED            \(HumanFormat.time(client.revokedAt))") }
        return lines.joined(separator: "\n")
    }

    /// The new key, said once, loudly.
    static func renderIssued(_ issued: ClientKeyIssued, verb: String) -> String {
        """
        client \(issued.client.name) \(verb). Its key, shown this once (only a hash is kept):

            \(issued.key)

        Hand it to the system now; it sends it as `Authorization: Bearer <key>` (or X-Gosgate-Key: <key>).
        """
    }
}
