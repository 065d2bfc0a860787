import Admin
import ArgumentParser

/// `gosgatectl client add NAME --identity ID …`.
struct ClientAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add an internal system and print its gateway key once (admin tier)."
    )

    @OptionGroup var options: AdminOptions

    @Argument(help: "A name for the system (shown in the audit log and metrics).")
    var name: String

    @Option(name: .customLong("identity"), help: "The identity its calls use unless they pick another.")
    var defaultIdentity: String?

    @Option(name: .customLong("allow-identity"), help: "Another identity it may pick per request (repeatable).")
    var allowedIdentities: [String] = []

    @Option(name: .customLong("route"), help: "An EPGU route it may call, e.g. order.create (repeatable; all when absent).")
    var routes: [String] = []

    @Option(name: .customLong("allow-ip"), help: "An address block it may call from, e.g. 10.1.2.0/24 (repeatable; any when absent).")
    var addressBlocks: [String] = []

    @Option(name: .customLong("rate-per-minute"), help: "Calls per minute this system may make.")
    var ratePerMinute: Int?

    func run() throws {
        let console = options.console
        let spec = ClientSpec(name: name, defaultIdentity: defaultIdentity,
                              allowedIdentities: allowedIdentities.isEmpty ? nil : allowedIdentities,
                              allowedRoutes: routes.isEmpty ? nil : routes,
                              ipAllow: addressBlocks.isEmpty ? nil : addressBlocks, ratePerMinute: ratePerMinute)
        let issued = try console.call("POST", "/v1/clients", json: spec, as: ClientKeyIssued.self)
        console.emit(issued) { ClientCommand.renderIssued(issued, verb: "added") }
    }
}
