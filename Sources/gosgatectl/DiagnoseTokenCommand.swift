import ArgumentParser
import Foundation
import GOST
import Logging
import Token

/// `gosgatectl diagnose token`: talks to the token the way the gateway would, without the daemon:
/// readers and cards, the driver's view of the token (label, serial, key, certificate, PIN retries),
/// and with `--sign-test` one signature over a random digest, verified against the certificate.
struct DiagnoseTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Check the signing token: readers, token, key, certificate, PIN retries, a test signature.",
        discussion: """
            Without --pin-file no PIN is sent: the command reads the retry counter and stops there, so \
            it never spends a PIN attempt. With --pin-file the PIN is tried once; a wrong PIN is \
            reported with the retries left and not tried again. On the final try the PIN is not sent \
            unless --force-final-try is given.

            Examples:
              gosgatectl diagnose token --module /usr/lib/librtpkcs11ecp.so --key-id 01
              gosgatectl diagnose token --driver pcsc --reader "Rutoken" --cert /etc/gosgate/token.pem \\
                  --pin-file /run/credentials/gosgated.service/gosgate-token-pin --sign-test
            """
    )

    @Option(help: "Driver: pkcs11, pcsc or file.")
    var driver: TokenDriverKind = .pkcs11

    @Option(help: "PKCS#11 module (pkcs11 driver).")
    var module: String = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    @Option(help: "Reader name or part of it (pcsc driver).")
    var reader: String?

    @Option(name: .customLong("token-label"), help: "Token label (pkcs11 driver).")
    var tokenLabel: String?

    @Option(name: .customLong("token-serial"), help: "Token serial number (pkcs11 driver).")
    var tokenSerial: String?

    @Option(name: .customLong("key-id"), help: "The key's CKA_ID in hex, as `pkcs11-tool -O` prints it.")
    var keyID: String?

    @Option(name: .customLong("key-label"), help: "The key's CKA_LABEL, when there is no CKA_ID.")
    var keyLabel: String?

    @Option(name: .customLong("key-ref"), help: "Key reference for MSE:SET (pcsc driver).")
    var keyReference: UInt8 = 1

    @Option(name: .customLong("key-path"), help: "Key file on the card (pcsc driver).")
    var keyPath: String = "3F00/1000/1000/6002/0001"

    @Option(help: "Certificate file (PEM or DER) instead of the token's; required with opensc-pkcs11.so and GOST-2012.")
    var cert: String?

    @Option(name: .customLong("key-file"), help: "Software key (file driver; test stands only).")
    var keyFile: String?

    @Flag(name: .customLong("allow-software-key"), help: "Allow the file driver's software key.")
    var allowSoftwareKey = false

    @Option(name: .customLong("pin-file"), help: "File holding the user PIN (a systemd credential, say).")
    var pinFile: String?

    @Flag(name: .customLong("force-final-try"), help: "Send the PIN even when only one attempt is left.")
    var forceFinalTry = false

    @Flag(name: .customLong("sign-test"), help: "Sign a random digest and verify it against the certificate.")
    var signTest = false

    @Option(help: "Seconds to wait for the token.")
    var timeout: Int = 10

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    @Flag(help: "Log what the token layer does (on standard error).")
    var verbose = false

    /// Token-layer logs go to standard error, so standard output stays the report.
    private var logger: Logger {
        var logger = Logger(label: "gosgate.token") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .error
        return logger
    }

    func run() async throws {
        var report = DiagnoseTokenReport(driver: driver)
        do {
            report.pcsc = try PresenceMonitor.scan()
        } catch {
            report.problems.append(.init(error))
        }
        await inspectToken(into: &report)
        emit(report)
        if !report.problems.isEmpty { throw ExitCode(1) }
    }

    private func inspectToken(into report: inout DiagnoseTokenReport) async {
        let signer: TokenSigner
        do {
            signer = try await TokenSigner.open(tokenConfiguration(), logger: logger)
        } catch {
            report.problems.append(.init(error))
            return
        }
        let deadline = ContinuousClock.now + .seconds(timeout)
        do {
            // The retry counter first, without a login: nothing is spent if the PIN turns out wrong.
            report.token = try await signer.refreshStatus(deadline: deadline)
            if let pinFile {
                report.token = try await signer.login(pin: TokenPIN(contentsOfFile: pinFile), forceFinalTry: forceFinalTry)
            }
            if signTest { report.signTest = await runSignTest(signer, deadline: deadline) }
            report.token = try await signer.refreshStatus(deadline: deadline)
        } catch {
            report.token = signer.currentStatus
            report.problems.append(.init(error))
        }
        if let failure = report.signTest?.error { report.problems.append(failure) }
        await signer.shutdown()
    }

    private func runSignTest(_ signer: TokenSigner, deadline: ContinuousClock.Instant) async -> DiagnoseTokenReport.SignTest {
        var generator = SystemRandomNumberGenerator()
        let size = (try? signer.certificate.publicKey.keySize.digest.byteCount) ?? 32
        let digest = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let started = ContinuousClock.now
        do {
            let signature = try await signer.sign(digest: digest, deadline: deadline)
            let elapsed = ContinuousClock.now - started
            let verified = (try? signer.certificate.publicKey.verify(signature: signature, digest: digest)) ?? false
            return .init(digestHex: digest.map { String(format: "%02x", $0) }.joined(),
                         milliseconds: elapsed.milliseconds, verified: verified,
                         error: verified ? nil : .init(code: "token_signature_invalid",
                                                      message: "the signature does not verify with the certificate"))
        } catch {
            return .init(digestHex: nil, milliseconds: nil, verified: false, error: .init(error))
        }
    }

    private func tokenConfiguration() throws(TokenError) -> TokenConfiguration {
        let deadline = Duration.seconds(timeout)
        switch driver {
        case .pkcs11:
            let id = try keyID.map { text throws(TokenError) -> Data in
                guard let bytes = Data(hexDigits: text, allowingSeparators: true), !bytes.isEmpty else {
                    throw .configurationInvalid("--key-id \(text) is not hex")
                }
                return bytes
            }
            return TokenConfiguration(driver: .pkcs11(PKCS11Settings(
                modulePath: module, tokenLabel: tokenLabel, tokenSerial: tokenSerial, keyID: id, keyLabel: keyLabel)),
                certificateFile: cert, deadline: deadline)
        case .pcsc:
            return TokenConfiguration(driver: .pcsc(PCSCSettings(
                reader: reader, keyFile: try CardPath(parsing: keyPath), keyReference: keyReference,
                certificateFile: cert == nil ? PCSCSettings().certificateFile : nil)),
                certificateFile: cert, deadline: deadline)
        case .file:
            guard let keyFile else { throw .configurationInvalid("the file driver needs --key-file and --cert") }
            return TokenConfiguration(driver: .file(SoftwareKeySettings(keyFile: keyFile,
                                                                        allowSoftwareKey: allowSoftwareKey)),
                                      certificateFile: cert, deadline: deadline)
        }
    }

    // MARK: output

    private func emit(_ report: DiagnoseTokenReport) {
        GostConsole.emit(json: json, text: text(report), object: report)
    }

    private func text(_ report: DiagnoseTokenReport) -> String {
        var lines: [String] = []
        if let pcsc = report.pcsc {
            lines.append("PC/SC: pcscd reachable, \(pcsc.readers.count) reader(s)")
            for reader in pcsc.readers {
                let card = reader.cardPresent
                    ? "card: \(reader.cardName ?? "unknown card") (ATR \(reader.answerToReset ?? ""))"
                    : "no card"
                lines.append("  \(reader.name): \(card)")
            }
        } else {
            lines.append("PC/SC: pcscd not reachable")
        }
        lines.append("Driver: \(report.driver)" + (driver == .pkcs11 ? " (\(module))" : ""))
        if let token = report.token {
            let identity = token.identity
            if let identity {
                let parts = [identity.label.map { "label \"\($0)\"" }, identity.serial.map { "serial \($0)" },
                             identity.manufacturer, identity.model, identity.reader.map { "in \($0)" }]
                lines.append("Token: " + parts.compactMap { $0 }.joined(separator: ", "))
                lines.append("Key: \(identity.key ?? "?")" + (identity.mechanism.map { ", \($0)" } ?? ""))
            } else {
                lines.append("Token: not present")
            }
            let valid = Date() >= token.certificateNotBefore && Date() <= token.certificateNotAfter
            lines.append("Certificate: \(token.certificateSubject), serial \(token.certificateSerial)")
            lines.append("  valid \(GostConsole.timestamp(token.certificateNotBefore)) to "
                         + "\(GostConsole.timestamp(token.certificateNotAfter)) (\(valid ? "valid now" : "NOT VALID NOW"))")
            var pin = "PIN: \(token.pin.rawValue)"
            if let counter = token.pinCounter, counter != .unknown || !token.loggedIn { pin += ", \(counter)" }
            if token.loggedIn { pin += ", logged in" }
            lines.append(pin)
            token.warnings.forEach { lines.append("WARNING: \($0)") }
        }
        if let test = report.signTest {
            if test.verified {
                lines.append("Sign test: signed a random digest in \(test.milliseconds ?? 0) ms; "
                             + "the signature verifies with the certificate")
            } else {
                lines.append("Sign test: FAILED")
            }
        }
        for problem in report.problems {
            lines.append("Problem: \(problem.message)")
        }
        return lines.joined(separator: "\n")
    }
}

/// What `diagnose token --json` prints.
struct DiagnoseTokenReport: Encodable {
    /// A failure in the machine form `{"code", "message"}`.
    struct Problem: Encodable {
        let code: String
        let message: String

        init(code: String, message: String) {
            self.code = code
            self.message = message
        }

        init(_ error: any Error) {
            if let error = error as? TokenError {
                self.init(code: error.code, message: error.description)
            } else if let error = error as? GOSTError {
                self.init(code: error.code, message: error.description)
            } else {
                self.init(code: "error", message: "\(error)")
            }
        }
    }

    struct SignTest: Encodable {
        let digestHex: String?
        let milliseconds: Int?
        let verified: Bool
        let error: Problem?
    }

    let driver: TokenDriverKind
    var pcsc: PresenceSnapshot?
    var token: TokenStatus?
    var signTest: SignTest?
    var problems: [Problem] = []

    init(driver: TokenDriverKind) {
        self.driver = driver
    }
}

extension TokenDriverKind: ExpressibleByArgument {}

private extension Duration {
    var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
