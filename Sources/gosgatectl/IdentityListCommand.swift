import Admin
import ArgumentParser

/// `gosgatectl identity list`.
struct IdentityListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List identities and their token state.")

    @OptionGroup var options: AdminOptions

    func run() throws {
        let console = options.console
        let list = try console.call("GET", "/v1/identities", as: IdentityList.self)
        console.emit(list) {
            guard !list.identities.isEmpty else { return "No identities. Add one with `gosgatectl identity add`." }
            var table = TextTable("NAME", "ENV", "FLOW", "API-KEY/CLIENT", "TOKEN", "EXPIRES IN")
            for identity in list.identities {
                table.add(identity.name, identity.environment, identity.flow, identity.apiKey ?? identity.clientId ?? "-",
                          identity.token?.state ?? "not loaded", HumanFormat.duration(identity.token?.expiresInSeconds))
            }
            return table.render()
        }
    }
}
