import ArgumentParser

/// `gosgatectl diagnose …`: connect or talk to a device as the gateway would, and say what is wrong.
struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Check TLS to an origin or the signing token, without the daemon.",
        subcommands: [DiagnoseTLSCommand.self, DiagnoseTokenCommand.self]
    )
}
