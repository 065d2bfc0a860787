import ArgumentParser
import Config

/// `gosgate-stand`: an ESIA + EPGU emulator over GOST TLS for integrators, the demo and tests.
@main
struct GosgateStand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gosgate-stand",
        abstract: "ESIA + EPGU emulator over GOST TLS.",
        discussion: """
            gosgate-stand init DIR      writes a test CA, the stand's GOST TLS certificate, a registered
                                        organisation with API-KEYs, the signer key and certificate for the
                                        virtual card, and DIR/stand.json.
            gosgate-stand serve --dir DIR
                                        serves ESIA (API-KEY exchange, OAuth v3 token endpoint) and the
                                        EPGU order API over GOST TLS (0xFF85), or plain HTTP with --plain.
            See docs/stand.md for the endpoints, the fault switches and the ESIA error codes.
            """,
        version: GosgateVersion.current,
        subcommands: [InitCommand.self, ServeCommand.self]
    )
}
