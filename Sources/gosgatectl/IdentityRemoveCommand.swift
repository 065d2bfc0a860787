import Admin
import ArgumentParser

/// `gosgatectl identity remove NAME`.
struct IdentityRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an identity and stop its token manager (admin tier).",
        discussion: "Refused while a client uses it as its default identity: change or revoke that client first."
    )

    @OptionGroup var options: AdminOptions

    @Argument(help: "The identity's name.")
    var name: String

    func run() throws {
        let console = options.console
        let result = try console.call("DELETE", IdentityCommand.path(name), as: ActionReport.self)
        console.emit(result) { result.message }
    }
}
