import ArgumentParser
import Foundation
import GOST
#if canImport(Glibc)
import Glibc
#endif

/// `gosgate-bench gost`: Streebog throughput and GOST sign/verify rates, ours (in process, through the
/// GOST module) against the `openssl` CLI with the same engine, in one run, with ratios.
struct GOSTBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gost",
        abstract: "Streebog-256 MB/s and GOST R 34.10-2012 sign/verify ops/s: gosgate vs openssl."
    )

    @Option(help: "Seconds per in-process measurement and per `openssl speed` run.")
    var seconds = 3

    @Option(help: "openssl process runs per CLI measurement (their start-up time is subtracted).")
    var runs = 40

    @Option(help: "Size of the large buffer / file for the one-shot digest, in MiB.")
    var megabytes = 64

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let openssl = try OpenSSLPeer(directory: directory)
        print("gosgate-bench gost: \(seconds) s per in-process measurement, \(runs) openssl runs per CLI measurement")
        print("peer: \(try openssl.run(["version"]).trimmingCharacters(in: .whitespacesAndNewlines)) + gost engine \(GOSTEngine.enginePath)\n")

        try digestThroughput(openssl: openssl, directory: directory)
        try await signatures(openssl: openssl, directory: directory)
    }

    // MARK: - Streebog

    private func digestThroughput(openssl: OpenSSLPeer, directory: URL) throws {
        // 16 KiB blocks, one digest per block: exactly what `openssl speed -evp md_gost12_256 -bytes 16384` times.
        let block = Data((0..<16_384).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) })
        let ours16k = try rate(seconds: Double(seconds)) { _ = try Streebog.hash256(block) } * Double(block.count) / 1e6
        let speedOutput = try openssl.run(["speed", "-mr", "-elapsed", "-evp", "md_gost12_256", "-bytes", "16384",
                                           "-seconds", String(seconds)])
        // Machine-readable line: +F:<n>:md_gost12_256:<bytes per second>
        guard let line = speedOutput.split(separator: "\n").first(where: { $0.hasPrefix("+F:") }),
              let bytesPerSecond = line.split(separator: ":").last.flatMap({ Double($0) }) else {
            throw ValidationError("could not read `openssl speed -mr` output: \(speedOutput)")
        }
        let theirs16k = bytesPerSecond / 1e6

        // One large buffer: our one-shot digest vs `openssl dgst` over the same bytes in a file.
        let size = megabytes * 1_048_576
        var bytes = [UInt8](repeating: 0, count: size)
        for index in stride(from: 0, to: size, by: 4096) { bytes[index] = UInt8(truncatingIfNeeded: index >> 12) }
        let large = Data(bytes)
        let file = directory.appendingPathComponent("large.bin")
        try large.write(to: file)
        let oursLarge = try bestTime(repeats: 3) { _ = try Streebog.hash256(large) }
        let oursFile = try bestTime(repeats: 3) { _ = try Streebog.hash(fileAt: file.path, size: .bits256) }
        let startup = try openssl.startupTime(runs: runs)
        let theirsFile = try bestTime(repeats: 3) { _ = try openssl.run(["dgst", "-md_gost12_256", file.path]) } - startup
        let mb = Double(size) / 1e6

        print("Streebog-256 throughput (MB/s, higher is better)")
        table([
            ("16 KiB blocks, digest per block", ours16k, theirs16k, "openssl speed -elapsed -evp md_gost12_256 -bytes 16384"),
            ("\(megabytes) MiB buffer in memory", mb / oursLarge, mb / theirsFile, "openssl dgst over the same bytes in a file"),
            ("\(megabytes) MiB file, 1 MiB chunks", mb / oursFile, mb / theirsFile, "openssl dgst over the same file"),
        ], unit: "MB/s")
        print(String(format: "  (openssl dgst timings have its start-up, %.1f ms measured with `openssl version`, subtracted)\n",
                     startup * 1000))
    }

    // MARK: - Signatures

    private func signatures(openssl: OpenSSLPeer, directory: URL) async throws {
        let key = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
        let ca = try CertificateIssuer.makeCA(subject: DistinguishedName(commonName: "gosgate-bench"), key: key)
        let keyPath = directory.appendingPathComponent("key.pem").path
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let digestPath = directory.appendingPathComponent("digest.bin").path
        let signaturePath = directory.appendingPathComponent("signature.bin").path
        let contentPath = directory.appendingPathComponent("content.txt").path
        try key.pem.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try ca.certificate.pem.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        let content = Data("3f2a9c1e-7b4d-4e8a-9f10-2c5d6e7f8a9b".utf8)
        try content.write(to: URL(fileURLWithPath: contentPath))
        let digest = try Streebog.hash256(content)
        try digest.write(to: URL(fileURLWithPath: digestPath))
        let signature = try key.sign(digest: digest)
        try signature.write(to: URL(fileURLWithPath: signaturePath))

        let oursSign = try rate(seconds: Double(seconds)) { _ = try key.sign(digest: digest) }
        let oursVerify = try rate(seconds: Double(seconds)) {
            guard key.publicKey.verify(signature: signature, digest: digest) else { throw ValidationError("verify failed") }
        }
        let signer = try SoftwareSigner(key: key, certificate: ca.certificate)
        let oursCMS = try await rate(seconds: Double(seconds)) {
            _ = try await CAdESBuilder.sign(content: content, signer: signer)
        }

        let startup = try openssl.startupTime(runs: runs)
        let theirsSign = try openssl.opsPerSecond(runs: runs, startup: startup, [
            "pkeyutl", "-sign", "-inkey", keyPath, "-in", digestPath, "-out", directory.appendingPathComponent("o.sig").path])
        let theirsVerify = try openssl.opsPerSecond(runs: runs, startup: startup, [
            "pkeyutl", "-verify", "-certin", "-inkey", certificatePath, "-in", digestPath, "-sigfile", signaturePath])
        let theirsCMS = try openssl.opsPerSecond(runs: runs, startup: startup, [
            "cms", "-sign", "-binary", "-in", contentPath, "-signer", certificatePath, "-inkey", keyPath,
            "-outform", "DER", "-out", directory.appendingPathComponent("o.p7s").path])

        print("GOST R 34.10-2012 256-bit, CryptoPro-A (operations/s, higher is better)")
        table([
            ("sign a Streebog-256 digest", oursSign, theirsSign, "openssl pkeyutl -sign"),
            ("verify a signature", oursVerify, theirsVerify, "openssl pkeyutl -verify -certin"),
            ("detached CAdES-BES of an API-KEY", oursCMS, theirsCMS, "openssl cms -sign -binary (no signingCertificateV2)"),
        ], unit: "ops/s")
        print(String(format: """
              (`openssl speed` has no GOST signature test and `openssl dgst -sign` takes one file per run, so
               openssl is timed over %d process runs each, minus its start-up of %.1f ms per run measured with
               a no-op `openssl version`. Key parsing, RNG seeding and file I/O remain in every run and dominate
               it: both sides use the same engine code, so the ratio shows what signing in-process saves per
               operation, not a faster curve.)
            """, runs, startup * 1000))
    }

    // MARK: - Measuring

    /// Calls `body` for `seconds` and returns calls per second.
    private func rate(seconds: Double, _ body: () throws -> Void) throws -> Double {
        try body()  // warm-up
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while true {
            try body()
            count += 1
            let elapsed = (clock.now - start).seconds
            if elapsed >= seconds { return Double(count) / elapsed }
        }
    }

    /// Awaits `body` repeatedly for `seconds` and returns calls per second.
    private func rate(seconds: Double, _ body: () async throws -> Void) async throws -> Double {
        try await body()  // warm-up
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while true {
            try await body()
            count += 1
            let elapsed = (clock.now - start).seconds
            if elapsed >= seconds { return Double(count) / elapsed }
        }
    }

    /// The fastest of `repeats` timed calls, in seconds.
    private func bestTime(repeats: Int, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = clock.now
            try body()
            best = min(best, (clock.now - start).seconds)
        }
        return best
    }

    private func table(_ rows: [(String, Double, Double, String)], unit: String) {
        print("  " + "what".padding(toLength: 36, withPad: " ", startingAt: 0)
              + "gosgate".leftPadded(12) + "openssl".leftPadded(12) + "ratio".leftPadded(8) + "   peer")
        for (name, ours, theirs, peer) in rows {
            print("  " + name.padding(toLength: 36, withPad: " ", startingAt: 0)
                  + String(format: "%.1f", ours).leftPadded(12) + String(format: "%.1f", theirs).leftPadded(12)
                  + String(format: "%.2fx", ours / theirs).leftPadded(8) + "   " + peer)
        }
    }
}

/// The `openssl` command with the GOST engine through a private config file.
private struct OpenSSLPeer {
    let environment: [String: String]

    init(directory: URL) throws {
        environment = try OpenSSLEngineEnvironment.make(in: directory)
    }

    /// Runs `openssl ARGS`, returns stdout, throws on a non-zero exit.
    ///
    /// Spawned with an empty signal mask: Swift's threads block SIGALRM, a child inherits the mask,
    /// and `openssl speed` times its runs with alarm(), so under Foundation's `Process` it never stops.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw ValidationError("pipe() failed: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

        let argv = (["openssl"] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/openssl", &actions, &attributes, argv, envp)
        close(pipe[1])
        guard spawned == 0 else {
            close(pipe[0])
            throw ValidationError("cannot start /usr/bin/openssl: errno \(spawned)")
        }
        let output = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true).readDataToEndOfFile()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0, spelled out because the macros are not imported.
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            throw ValidationError("openssl \(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Mean wall time of a no-op `openssl version` (process start-up, config and engine loading).
    func startupTime(runs: Int) throws -> Double {
        try meanTime(runs: runs, ["version"])
    }

    /// Operations per second of `arguments` once start-up is subtracted.
    func opsPerSecond(runs: Int, startup: Double, _ arguments: [String]) throws -> Double {
        let perRun = try meanTime(runs: runs, arguments) - startup
        return perRun > 0 ? 1 / perRun : .infinity
    }

    private func meanTime(runs: Int, _ arguments: [String]) throws -> Double {
        try run(arguments)  // warm the page cache
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<runs { try run(arguments) }
        return (clock.now - start).seconds / Double(runs)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
