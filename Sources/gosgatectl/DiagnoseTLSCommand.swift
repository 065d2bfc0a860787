import ArgumentParser

/// `gosgatectl diagnose tls` (stub; replaced by the TLS module's diagnostics).
struct DiagnoseTLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tls", abstract: "TLS diagnostics (not built yet).")
}
