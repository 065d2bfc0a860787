import ArgumentParser
import Foundation

/// The virtual card both token benchmarks start (gosgate-vcard on pcscd + vpcd) and the PKCS#11
/// module they reach it through.
struct VirtualCardOptions: ParsableArguments {
    @Option(help: "OpenSC's PKCS#11 module.")
    var module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    @Option(help: "The virtual card executable (default: next to this program).")
    var vcard: String?

    @Option(help: "vpcd port of the first virtual reader.")
    var port = 35963

    /// `--vcard`, or the gosgate-vcard built next to this program.
    var vcardPath: String {
        vcard ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("gosgate-vcard").path
    }
}
