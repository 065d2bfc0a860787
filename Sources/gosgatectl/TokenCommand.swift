import ArgumentParser

/// `gosgatectl token …`: the signing token in the running daemon.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Log the token in or out, or show its state (PIN, retries, certificate).",
        subcommands: [TokenStatusCommand.self, TokenLoginCommand.self, TokenLogoutCommand.self]
    )
}
