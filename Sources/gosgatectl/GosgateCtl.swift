import ArgumentParser
import Config

/// `gosgatectl`: the admin's command line. Offline toolboxes (`gost`, `diagnose`) work without a daemon.
@main
struct GosgateCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gosgatectl",
        abstract: "Administer a gosgate EPGU gateway and debug GOST signatures, TLS and tokens.",
        version: GosgateVersion.current,
        subcommands: [StatusCommand.self, TokenCommand.self, IdentityCommand.self, ClientCommand.self, QuotaCommand.self,
                      AuditCommand.self, ConfigCommand.self, ReloadCommand.self, GostCommand.self, DiagnoseCommand.self]
    )
}
