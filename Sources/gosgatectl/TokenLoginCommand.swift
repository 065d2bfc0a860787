import Admin
import ArgumentParser

/// `gosgatectl token login`: hand the PIN to the daemon.
struct TokenLoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Give the running daemon the token's PIN (operator tier).",
        discussion: """
            Prompts without echo when standard input is a terminal; otherwise pass --pin-file (a file, \
            or - for standard input). The PIN is tried once: a wrong PIN is reported with the retries \
            left and never retried. When only one try is left the daemon refuses unless --force-final-try.
            """
    )

    @OptionGroup var options: AdminOptions

    @Option(name: .customLong("pin-file"), help: ArgumentHelp("Read the PIN from FILE (- for standard input).", valueName: "FILE"))
    var pinFile: String?

    @Flag(name: .customLong("force-final-try"), help: "Allow the attempt when the token has one try left.")
    var forceFinalTry = false

    func run() throws {
        let console = options.console
        let pin: String
        do {
            pin = try SecretInput.read("PIN", file: pinFile, option: "--pin-file")
        } catch {
            throw console.fail(code: "pin_unavailable", message: error.description, exit: .failed)
        }
        let token = try console.call("POST", "/v1/token/login",
                                     json: TokenLoginRequest(pin: pin, forceFinalTry: forceFinalTry), as: TokenReport.self)
        console.emit(token) {
            let outcome = token.present
                ? "PIN handed over: \(token.pinState)" : "PIN held; it is used when the token is inserted"
            return ([outcome] + TokenStatusCommand.render(token)).joined(separator: "\n")
        }
    }
}
