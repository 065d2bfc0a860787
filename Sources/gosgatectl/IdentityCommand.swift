import Admin
import ArgumentParser

/// `gosgatectl identity …`: the ESIA principals the gateway acts as.
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Add, list, show, remove and test ESIA identities.",
        subcommands: [IdentityListCommand.self, IdentityShowCommand.self, IdentityAddCommand.self,
                      IdentityRemoveCommand.self, IdentityTestCommand.self]
    )

    /// The `/v1/identities/NAME` path.
    static func path(_ name: String, _ suffix: String = "") -> String {
        "/v1/identities/\(AdminConsole.segment(name))\(suffix)"
    }
}
