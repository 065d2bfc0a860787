import ArgumentParser

/// `gosgatectl quota …`.
struct QuotaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "EPGU quota use per identity and the fair queue.",
        subcommands: [QuotaShowCommand.self],
        defaultSubcommand: QuotaShowCommand.self
    )
}
