import ArgumentParser

/// `gosgate-bench tls` (stub; replaced by the module's benchmark).
struct TLSBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tls", abstract: "Not built yet.")
}
