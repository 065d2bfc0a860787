import Admin
import ArgumentParser

/// `gosgatectl identity show NAME`.
struct IdentityShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one identity.")

    @OptionGroup var options: AdminOptions

    @Argument(help: "The identity's name.")
    var name: String

    func run() throws {
        let console = options.console
        let identity = try console.call("GET", IdentityCommand.path(name), as: IdentityInfo.self)
        console.emit(identity) { Self.render(identity) }
    }

    static func render(_ identity: IdentityInfo) -> String {
        var lines = [
            "name         \(identity.name)",
            "environment  \(identity.environment)",
            "flow         \(identity.flow)",
        ]
        if let key = identity.apiKey { lines.append("api key      \(key)") }
        if let client = identity.clientId { lines.append("client id    \(client)") }
        if !identity.scopes.isEmpty { lines.append("scopes       \(identity.scopes)") }
        lines.append("signer       \(identity.signer)")
        lines.append("created      \(HumanFormat.time(identity.createdAt))")
        if let token = identity.token {
            var state = "token        \(token.state)"
            if let seconds = token.expiresInSeconds { state += ", expires in \(HumanFormat.duration(seconds))" }
            lines.append(state)
            if let reason = token.reason { lines.append("             \(token.code ?? ""): \(reason)") }
        } else {
            lines.append("token        not loaded (its environment is not configured)")
        }
        return lines.joined(separator: "\n")
    }
}
