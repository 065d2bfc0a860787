import ArgumentParser
import Config

/// `gosgate-stand`: an ESIA + EPGU emulator for integrators and tests.
@main
struct GosgateStand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gosgate-stand",
        abstract: "ESIA + EPGU emulator over GOST TLS (not part of this release yet).",
        discussion: "This build only answers --help and --version; the emulator arrives with the ESIA module.",
        version: GosgateVersion.current
    )

    func run() throws {
        print("gosgate-stand \(GosgateVersion.current): the emulator is not built yet")
        throw ExitCode(1)
    }
}
