import Admin
import ArgumentParser

/// `gosgatectl client list`.
struct ClientListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List clients, revoked ones included.")

    @OptionGroup var options: AdminOptions

    func run() throws {
        let console = options.console
        let list = try console.call("GET", "/v1/clients", as: ClientList.self)
        console.emit(list) {
            guard !list.clients.isEmpty else { return "No clients. Add one with `gosgatectl client add`." }
            var table = TextTable("NAME", "KEY ID", "IDENTITY", "ROUTES", "STATE")
            for client in list.clients {
                table.add(client.name, client.keyId, client.defaultIdentity ?? "-", HumanFormat.list(client.allowedRoutes),
                          client.revoked ? "revoked \(HumanFormat.time(client.revokedAt))" : "active")
            }
            return table.render()
        }
    }
}
