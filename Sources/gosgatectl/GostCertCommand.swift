import ArgumentParser

/// `gosgatectl gost cert …`.
struct GostCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "Inspect certificates.",
        subcommands: [GostCertShowCommand.self]
    )
}
