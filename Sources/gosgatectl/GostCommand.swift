import ArgumentParser

/// `gosgatectl gost …` (stub; replaced by the GOST toolbox).
struct GostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gost", abstract: "GOST toolbox (not built yet).")
}
