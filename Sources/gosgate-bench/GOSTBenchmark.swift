import ArgumentParser

/// `gosgate-bench gost` (stub; replaced by the module's benchmark).
struct GOSTBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gost", abstract: "Not built yet.")
}
