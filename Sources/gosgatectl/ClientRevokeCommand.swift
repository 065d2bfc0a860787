import Admin
import ArgumentParser

/// `gosgatectl client revoke NAME`.
struct ClientRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Refuse a client's key from now on (admin tier); the record stays for the audit trail."
    )

    @OptionGroup var options: AdminOptions

    @Argument(help: "The client's name.")
    var name: String

    func run() throws {
        let console = options.console
        let result = try console.call("POST", ClientCommand.path(name, "/revoke"), as: ActionReport.self)
        console.emit(result) { result.message }
    }
}
