import ArgumentParser

/// `gosgate-bench`: measures gosgate against a named peer on this machine and prints ratios.
@main
struct GosgateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gosgate-bench",
        abstract: "Benchmarks that compare gosgate with the openssl CLI and other peers in one run.",
        subcommands: [GOSTBenchmark.self, TLSBenchmark.self, TokenBenchmark.self, GatewayBenchmark.self, TokenRefreshBenchmark.self]
    )
}
