import ArgumentParser

/// `gosgatectl diagnose token` (stub; replaced by the Token module's diagnostics).
struct DiagnoseTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Token diagnostics (not built yet).")
}
