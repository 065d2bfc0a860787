import Admin
import ArgumentParser

/// `gosgatectl identity add NAME --environment ENV …`.
struct IdentityAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add an identity and start obtaining its tokens (admin tier).",
        discussion: """
            The api_key flow needs the API-KEY issued in ЛК ИЭП: it is prompted for without echo on a \
            terminal, or read from --api-key-file (- for standard input); it never goes on the command \
            line, where ps and the shell history would keep it.
            """
    )

    @OptionGroup var options: AdminOptions

    @Argument(help: "A name for the identity (used by clients and in the audit log).")
    var name: String

    @Option(name: .customLong("environment"), help: "An environment from the configuration (environments.<name>).")
    var environment: String

    @Option(help: ArgumentHelp("api_key (ЮЛ/ИП API-KEY) or oauth (signed client_secret).", valueName: "FLOW"))
    var flow: String = "api_key"

    @Option(name: .customLong("api-key-file"), help: ArgumentHelp("Read the API-KEY from FILE (- for standard input).", valueName: "FILE"))
    var apiKeyFile: String?

    @Option(name: .customLong("client-id"), help: "ESIA client_id (the system's mnemonic), for the oauth flow.")
    var clientID: String?

    @Option(help: "ESIA scopes, space-separated, for the oauth flow.")
    var scopes: String?

    @Option(help: "Which configured signer signs for this identity.")
    var signer: String?

    func run() throws {
        let console = options.console
        var apiKey: String?
        if flow == "api_key" {
            do {
                apiKey = try SecretInput.read("API-KEY", file: apiKeyFile, option: "--api-key-file")
            } catch {
                throw console.fail(code: "api_key_unavailable", message: error.description, exit: .failed)
            }
        }
        let spec = IdentitySpec(name: name, environment: environment, flow: flow, apiKey: apiKey, clientId: clientID,
                                scopes: scopes, signer: signer)
        let identity = try console.call("POST", "/v1/identities", json: spec, as: IdentityInfo.self)
        console.emit(identity) {
            "identity \(identity.name) added; its token manager is obtaining a token (check with `gosgatectl identity test \(identity.name)`)\n"
                + IdentityShowCommand.render(identity)
        }
    }
}
