import ArgumentParser

/// `gosgatectl config …`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate a configuration file.",
        subcommands: [ConfigCheckCommand.self]
    )
}
