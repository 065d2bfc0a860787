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

    @Option(help: "OpenSC's PKCS#11 module.")
    var module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    @Option(help: "The virtual card executable (default: next to this program).")
    var vcard: String?

    @Option(help: "vpcd port of the first virtual reader.")
    var port = 35963

    func run() async throws {
        let rig = try BenchRig(vcard: vcard ?? Self.sibling("gosgate-vcard"), port: port)
        defer { rig.stop() }
        try await rig.waitForCard()
        print("gosgate-bench token: \(iterations) measurements per row (fastest run of each), virtual Rutoken ECP "
              + "serial \(rig.serial) on pcscd + vpcd\(rig.ownsPCSCD ? " (started here)" : " (already running)")")
        print("peer: \(try Self.peerVersion()) with \(module)\n")

        let digest = try Streebog.hash256(Data("gosgate token benchmark".utf8))
        let digestPath = rig.directory.appendingPathComponent("digest.bin").path
        try digest.write(to: URL(fileURLWithPath: digestPath))
        let signaturePath = rig.directory.appendingPathComponent("tool.sig").path
        let tool = "/usr/bin/pkcs11-tool"
        let base = ["--module", module, "--login", "--pin", rig.pin]

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
            let configuration = rig.configuration(kind, module: module)
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

    private static func sibling(_ name: String) -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// pcscd (when none runs) and a virtual card with a fresh key, for the benchmark; stopped by PID.
private final class BenchRig {
    let directory: URL
    let pin = "27182818"
    let serial: String
    let certificate: GOSTCertificate
    let ownsPCSCD: Bool
    private let keyPath: String
    private let certificatePath: String
    private var pcscd: BenchProcess?
    private var card: BenchProcess?

    init(vcard: String, port: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: vcard) else {
            throw ValidationError("\(vcard) not found; build it with `swift build --product gosgate-vcard` or pass --vcard")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-bench-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        serial = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        let key = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
        let issued = try CertificateIssuer.makeCA(subject: DistinguishedName(commonName: "gosgate-bench token"), key: key)
        certificate = issued.certificate
        keyPath = directory.appendingPathComponent("key.pem").path
        certificatePath = directory.appendingPathComponent("cert.pem").path
        try key.pem.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try certificate.pem.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        let pinPath = directory.appendingPathComponent("pin").path
        try pin.write(toFile: pinPath, atomically: true, encoding: .utf8)
        ownsPCSCD = !Self.pcscdIsRunning()
        if ownsPCSCD {
            let configuration = directory.appendingPathComponent("reader.conf.d")
            try FileManager.default.createDirectory(at: configuration, withIntermediateDirectories: true)
            try """
                FRIENDLYNAME "Virtual PCD"
                DEVICENAME   /dev/null:\(port)
                LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
                CHANNELID    \(port)

                """.write(to: configuration.appendingPathComponent("vpcd"), atomically: true, encoding: .utf8)
            pcscd = try BenchProcess("/usr/sbin/pcscd", ["--foreground", "--config", configuration.path],
                                     log: directory.appendingPathComponent("pcscd.log").path)
        }
        card = try BenchProcess(vcard, ["--key", keyPath, "--cert", certificatePath, "--pin-file", pinPath,
                                        "--serial", serial, "--port", "\(port)", "--quiet"],
                                log: directory.appendingPathComponent("vcard.log").path)
    }

    /// Waits until pcscd shows a card whose serial is ours.
    func waitForCard() async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let snapshot = try? PresenceMonitor.scan(), snapshot.readers.contains(where: { $0.cardPresent }) {
                let signer = try? await TokenSigner.open(configuration(.pcsc, module: ""),
                                                         logger: TokenBenchmark.quietLogger)
                let found = try? await signer?.refreshStatus(deadline: .now + .seconds(2))
                await signer?.shutdown()
                if found?.identity?.serial == serial { return }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the virtual card did not appear in pcscd (is another card on the vpcd port?)")
    }

    func configuration(_ kind: TokenDriverKind, module: String) -> TokenConfiguration {
        switch kind {
        case .pkcs11:
            return TokenConfiguration(driver: .pkcs11(PKCS11Settings(modulePath: module, tokenSerial: serial,
                                                                     keyID: Data([0x01]))),
                                      certificateFile: certificatePath)
        case .pcsc:
            return TokenConfiguration(driver: .pcsc(PCSCSettings()), certificateFile: certificatePath)
        case .file:
            return TokenConfiguration(driver: .file(SoftwareKeySettings(keyFile: keyPath, allowSoftwareKey: true)),
                                      certificateFile: certificatePath)
        }
    }

    func stop() {
        card?.stop()
        pcscd?.stop()
        card = nil
        pcscd = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private static func pcscdIsRunning() -> Bool {
        guard let text = try? String(contentsOfFile: "/run/pcscd/pcscd.pid", encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))) else {
            return false
        }
        return kill(pid, 0) == 0
    }
}

/// A child started with `posix_spawn` and an empty signal mask (the async runtime's threads block
/// SIGTERM, and a child would inherit that through Foundation's `Process`), stopped by PID.
private final class BenchProcess {
    let pid: pid_t
    private var exited = false

    init(_ executable: String, _ arguments: [String], log: String) throws {
        pid = try Self.spawn(executable, arguments, output: log)
    }

    /// Runs to completion; throws unless it exits 0 (or `allowFailure`).
    static func run(_ executable: String, _ arguments: [String], allowFailure: Bool = false) throws {
        let pid = try spawn(executable, arguments, output: "/dev/null")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        if !allowFailure, status != 0 {
            throw ValidationError("\(executable) \(arguments.filter { !$0.allSatisfy(\.isNumber) }.joined(separator: " ")) exited with status \(status)")
        }
    }

    /// Runs to completion and returns its standard output.
    static func capture(_ executable: String, _ arguments: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pid = try spawn(executable, arguments, output: path)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    func stop() {
        guard !exited else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        exited = true
    }

    private static func spawn(_ executable: String, _ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw ValidationError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }
}

private extension Duration {
    var ms: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
