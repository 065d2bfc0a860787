import ArgumentParser
import Foundation
import GOST
import Token

/// pcscd (when none runs) and a virtual card (`gosgate-vcard`) for the benchmarks; stopped by PID.
///
/// The card holds a fresh key, or a given key and certificate (a stand's registered signer). Its
/// standard input stays open for run-time switches (`remove`, `insert`).
final class VirtualCardRig {
    let directory: URL
    let pin = "27182818"
    let serial: String
    let certificate: GOSTCertificate
    let ownsPCSCD: Bool
    let certificatePath: String
    private let keyPath: String
    private var pcscd: BenchProcess?
    private var card: BenchProcess?
    private var controlInput: FileHandle?
    private var controlReplies: FileHandle?
    private var machineLock: Int32 = -1

    /// The lock file the test rig (Tests/TestSupport/PCSCRig.swift) takes: one vpcd card per machine.
    static let machineLockPath = "/tmp/gosgate-pcsc-rig.lock"

    /// - Parameter signer: key and certificate files for the card; nil makes a fresh self-signed pair.
    init(vcard: String, port: Int, signer: (keyPath: String, certificatePath: String)? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: vcard) else {
            throw ValidationError("\(vcard) not found; build it with `swift build --product gosgate-vcard` or pass --vcard")
        }
        machineLock = open(Self.machineLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        if machineLock >= 0, flock(machineLock, LOCK_EX | LOCK_NB) != 0 {
            print("waiting for \(Self.machineLockPath): a token test or benchmark holds the virtual reader")
            flock(machineLock, LOCK_EX)
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-bench-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        serial = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        if let signer {
            keyPath = signer.keyPath
            certificatePath = signer.certificatePath
            certificate = try GOSTCertificate(contentsOfFile: certificatePath)
        } else {
            let key = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
            let issued = try CertificateIssuer.makeCA(subject: DistinguishedName(commonName: "gosgate-bench token"), key: key)
            certificate = issued.certificate
            keyPath = directory.appendingPathComponent("key.pem").path
            certificatePath = directory.appendingPathComponent("cert.pem").path
            try key.pem.write(toFile: keyPath, atomically: true, encoding: .utf8)
            try certificate.pem.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        }
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
        let input = Pipe(), replies = Pipe()
        card = try BenchProcess(vcard, ["--key", keyPath, "--cert", certificatePath, "--pin-file", pinPath,
                                        "--serial", serial, "--port", "\(port)", "--quiet"],
                                log: directory.appendingPathComponent("vcard.log").path,
                                input: input.fileHandleForReading.fileDescriptor,
                                replies: replies.fileHandleForWriting.fileDescriptor)
        try input.fileHandleForReading.close()
        try replies.fileHandleForWriting.close()
        controlInput = input.fileHandleForWriting
        controlReplies = replies.fileHandleForReading
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

    /// Sends one run-time switch (`remove`, `insert`) to the card and returns once it answered.
    func control(_ command: String) throws {
        guard let controlInput, let controlReplies else { throw ValidationError("the virtual card is not running") }
        controlInput.write(Data((command + "\n").utf8))
        var reply = Data()
        while reply.last != 0x0A {
            let chunk = controlReplies.availableData
            guard !chunk.isEmpty else { throw ValidationError("the virtual card exited") }
            reply.append(chunk)
        }
        let line = String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard line == "ok" else { throw ValidationError("gosgate-vcard \(command): \(line)") }
    }

    /// The signer configuration for `kind` on this card; a signature waits up to `deadline` for it.
    func configuration(_ kind: TokenDriverKind, module: String, deadline: Duration = .seconds(30)) -> TokenConfiguration {
        switch kind {
        case .pkcs11:
            return TokenConfiguration(driver: .pkcs11(PKCS11Settings(modulePath: module, tokenSerial: serial,
                                                                     keyID: Data([0x01]))),
                                      certificateFile: certificatePath, deadline: deadline)
        case .pcsc:
            return TokenConfiguration(driver: .pcsc(PCSCSettings()), certificateFile: certificatePath, deadline: deadline)
        case .file:
            return TokenConfiguration(driver: .file(SoftwareKeySettings(keyFile: keyPath, allowSoftwareKey: true)),
                                      certificateFile: certificatePath, deadline: deadline)
        }
    }

    func stop() {
        try? controlInput?.close()
        controlInput = nil
        card?.stop()
        pcscd?.stop()
        card = nil
        pcscd = nil
        try? controlReplies?.close()
        controlReplies = nil
        try? FileManager.default.removeItem(at: directory)
        if machineLock >= 0 { close(machineLock) }
        machineLock = -1
    }

    private static func pcscdIsRunning() -> Bool {
        guard let text = try? String(contentsOfFile: "/run/pcscd/pcscd.pid", encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))) else {
            return false
        }
        return kill(pid, 0) == 0
    }
}
