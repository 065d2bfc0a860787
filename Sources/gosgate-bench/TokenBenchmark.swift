import ArgumentParser

/// `gosgate-bench token` (stub; replaced by the module's benchmark).
struct TokenBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Not built yet.")
}
