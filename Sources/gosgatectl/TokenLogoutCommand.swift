import Admin
import ArgumentParser

/// `gosgatectl token logout`.
struct TokenLogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Log the token out and wipe the PIN the daemon holds (operator tier).",
        discussion: "No ESIA token is obtained afterwards until `gosgatectl token login`."
    )

    @OptionGroup var options: AdminOptions

    func run() throws {
        let console = options.console
        let result = try console.call("POST", "/v1/token/logout", as: ActionReport.self)
        console.emit(result) { result.message }
    }
}
