import Admin
import ArgumentParser
import Foundation

/// `--socket` and `--json`, shared by every command that talks to the daemon.
struct AdminOptions: ParsableArguments {
    @Option(name: .customLong("socket"),
            help: ArgumentHelp("The daemon's admin socket (or $GOSGATE_ADMIN_SOCKET).", valueName: "PATH"))
    var socketPath: String = ProcessInfo.processInfo.environment["GOSGATE_ADMIN_SOCKET"] ?? AdminClient.defaultSocketPath

    @Flag(help: "Print JSON for scripts (schemas in docs/schema/v1) instead of tables.")
    var json = false

    /// A console for this invocation.
    var console: AdminConsole { AdminConsole(client: AdminClient(socketPath: socketPath), json: json) }
}
