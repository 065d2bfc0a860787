import ArgumentParser
import Foundation
import GOST
import Logging
import Token

/// `gosgate-bench token`: signing latency through each driver against OpenSC's `pkcs11-tool --sign`
/// on the same virtual Rutoken (pcscd + vpcd + gosgate-vcard), in one run, with ratios and the
/// milliseconds our layer adds.
///
/// Two comparisons, each like for like:
/// - a whole signing session (connect, log in, sign, log out): `pkcs11-tool --sign` as a process,
///   minus its start-up, against opening a `TokenSigner`, one signature, and shutting it down;
/// - one more signature on a logged-in session: our warm per-signature latency against the same
///   APDUs sent by `opensc-tool` (time per extra SELECT + MSE:SET + PSO:CDS in one session).
struct TokenBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Token signing latency per driver vs pkcs11-tool / opensc-tool on the same virtual card.",
        discussion: """
            Starts pcscd (unless one runs already) with the vpcd reader and a gosgate-vcard with a fresh \
            key, measures, and stops what it started by PID. Needs pcscd, vsmartcard-vpcd and opensc.
            """
    )

    @Option(help: "Measurements per row (the fastest is reported).")
    var iterations = 25

    @OptionGroup var card: VirtualCardOptions

    func run() async throws {
        let rig = try VirtualCardRig(vcard: card.vcardPath, port: card.port)
        defer { rig.stop() }
        try await rig.waitForCard()
        print("gosgate-bench token: \(iterations) measurements per row (fastest run of each), virtual Rutoken ECP "
              + "serial \(rig.serial) on pcscd + vpcd\(rig.ownsPCSCD ? " (started here)" : " (already running)")")
        print("peer: \(try Self.peerVersion()) with \(card.module)\n")

        let digest = try Streebog.hash256(Data("gosgate token benchmark".utf8))
        let digestPath = rig.directory.appendingPathComponent("digest.bin").path
        try digest.write(to: URL(fileURLWithPath: digestPath))
        let signaturePath = rig.directory.appendingPathComponent("tool.sig").path
        let tool = "/usr/bin/pkcs11-tool"
        let base = ["--module", card.module, "--login", "--pin", rig.pin]

        // The peer, as processes.
        // Every row is the fastest of `iterations` runs, ours and the peers' alike: on a shared machine
        // the minimum is the stable estimate of what the work costs, and the peers' rows are
        // differences of process timings. A run that exits at once (an unknown option) times start-up.
        let startup = try fastest { try BenchProcess.run(tool, ["--gosgate-startup-probe"], allowFailure: true) }
        let toolSign = try fastest {
            try BenchProcess.run(tool, base + ["--sign", "--mechanism", "GOSTR3410", "--id", "01",
                                               "--input-file", digestPath, "--output-file", signaturePath])
        }
        guard try rig.certificate.publicKey.verify(signature: Data(contentsOf: URL(fileURLWithPath: signaturePath)),
                                                   digest: digest) else {
            throw ValidationError("pkcs11-tool's signature does not verify; the rig is broken")
        }
        // The card's share of one signature, by an independent PC/SC client: opensc-tool sends the
        // signing APDUs (SELECT key file, MSE:SET, PSO:CDS) after one VERIFY in a single session;
        // the time per extra triple is what the reader and card cost per signature.
        let repeats = 20
        let verify = "00:20:00:02:\(String(format: "%02X", rig.pin.utf8.count)):"
            + rig.pin.utf8.map { String(format: "%02X", $0) }.joined(separator: ":")
        let digestHex = digest.map { String(format: "%02X", $0) }.joined(separator: ":")
        let triple = ["-s", "00:A4:08:00:08:10:00:10:00:60:02:00:01:00", "-s", "00:22:41:B6:03:84:01:01",
                      "-s", "00:2A:9E:9A:20:\(digestHex):00"]
        let oneTriple = try fastest {
            try BenchProcess.run("/usr/bin/opensc-tool", ["-r", "0", "-s", verify] + triple)
        }
        let manyTriples = try fastest {
            try BenchProcess.run("/usr/bin/opensc-tool",
                                 ["-r", "0", "-s", verify] + Array(repeating: triple, count: repeats).flatMap { $0 })
        }
        let peerSignature = (manyTriples - oneTriple) / (repeats - 1)
        let peerSession = toolSign - startup

        var sessionRows: [(String, Duration, Duration)] = []
        var signatureRows: [(String, Duration, Duration)] = []
        for kind in TokenDriverKind.allCases {
            let configuration = rig.configuration(kind, module: card.module)
            let pin: String? = kind == .file ? nil : rig.pin
            let session = try await fastestAsync {
                let signer = try await TokenSigner.open(configuration, pin: try Self.pin(pin), logger: Self.quietLogger)
                _ = try await signer.sign(digest: digest)
                await signer.shutdown()
            }
            let signer = try await TokenSigner.open(configuration, pin: try Self.pin(pin), logger: Self.quietLogger)
            _ = try await signer.sign(digest: digest)
            let warm = try await fastestAsync { _ = try await signer.sign(digest: digest) }
            await signer.shutdown()
            sessionRows.append(("\(kind)", session, peerSession))
            signatureRows.append(("\(kind)", warm, peerSignature))
        }

        print("Whole signing session: connect, log in, sign one digest, log out (ms, lower is better)")
        table(sessionRows, peer: "pkcs11-tool --sign, minus its start-up")
        print(String(format: "  (pkcs11-tool process start-up, timed with a run that exits at once: %.1f ms)\n", startup.ms))
        print("One more signature on a logged-in token (ms, lower is better)")
        table(signatureRows, peer: "opensc-tool sending SELECT key + MSE:SET + PSO:CDS, per extra signature in one session")
        print("""
              (ours includes verifying every signature against the certificate; the file driver never
               touches the card, so its row shows the cost of the layer itself)
            """)
    }

    private func table(_ rows: [(String, Duration, Duration)], peer: String) {
        print("  " + "driver".padding(toLength: 8, withPad: " ", startingAt: 0)
              + "     ours     peer   ours/peer   added")
        for (name, ours, theirs) in rows {
            let ratio = theirs > .zero ? ours.ms / theirs.ms : .infinity
            print(String(format: "  %@ %8.2f %8.2f %10.2fx %+7.2f ms", name.padding(toLength: 8, withPad: " ", startingAt: 0),
                         ours.ms, theirs.ms, ratio, ours.ms - theirs.ms))
        }
        print("  peer: \(peer)")
    }

    private func fastest(_ body: () throws -> Void) throws -> Duration {
        var samples: [Duration] = []
        for _ in 0..<iterations {
            let start = ContinuousClock.now
            try body()
            samples.append(ContinuousClock.now - start)
        }
        return samples.min() ?? .zero
    }

    private func fastestAsync(_ body: () async throws -> Void) async throws -> Duration {
        var samples: [Duration] = []
        for _ in 0..<iterations {
            let start = ContinuousClock.now
            try await body()
            samples.append(ContinuousClock.now - start)
        }
        return samples.min() ?? .zero
    }

    private static func pin(_ text: String?) throws(TokenError) -> TokenPIN? {
        guard let text else { return nil }
        return try TokenPIN(text)
    }

    /// The benchmark's own table is the output; the file driver's loud warning would repeat per run.
    static let quietLogger = Logger(label: "gosgate.bench.token") { _ in SwiftLogNoOpLogHandler() }

    private static func peerVersion() throws -> String {
        let output = try BenchProcess.capture("/usr/bin/opensc-tool", ["--info"])
        return "pkcs11-tool from " + (output.split(separator: "\n").first.map(String.init) ?? "OpenSC")
    }
}
