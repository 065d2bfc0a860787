import Admin
import ArgumentParser

/// `gosgatectl client rotate NAME`.
struct ClientRotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Give a client a new key and print it once; the old key stops working at once (operator tier)."
    )

    @OptionGroup var options: AdminOptions

    @Argument(help: "The client's name.")
    var name: String

    func run() throws {
        let console = options.console
        let issued = try console.call("POST", ClientCommand.path(name, "/rotate"), as: ClientKeyIssued.self)
        console.emit(issued) { ClientCommand.renderIssued(issued, verb: "has a new key") }
    }
}
