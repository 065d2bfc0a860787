import Admin
import ArgumentParser

/// `gosgatectl client show NAME`.
struct ClientShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one client (never its key).")

    @OptionGroup var options: AdminOptions

    @Argument(help: "The client's name.")
    var name: String

    func run() throws {
        let console = options.console
        let client = try console.call("GET", ClientCommand.path(name), as: ClientInfo.self)
        console.emit(client) { ClientCommand.render(client) }
    }
}
