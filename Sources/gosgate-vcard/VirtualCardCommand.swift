import ArgumentParser
import Foundation
import GOST

/// `gosgate-vcard`: a virtual Rutoken ECP for pcscd's `vpcd` driver, for tests, the demo and
/// integrators without hardware.
@main
struct VirtualCardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gosgate-vcard",
        abstract: "A virtual Rutoken ECP (GOST R 34.10-2012) for pcscd's vpcd reader driver.",
        discussion: """
            The card connects to vpcd (inside pcscd, Debian package vsmartcard-vpcd) at --host:--port and \
            answers SELECT, READ BINARY, VERIFY, MSE:SET, PSO:CDS, LOGOUT and GET DATA like a Rutoken ECP \
            with a PKCS#15 layout, so opensc-pkcs11.so, pkcs11-tool and gosgate's pcsc and pkcs11 drivers \
            work with it. Signatures are made with the software key from --key.

            Run-time switches, one per line on standard input or on the --control Unix socket:
            \(CardControl.help)

            Never use this on a production gateway: vpcd listens on all interfaces (port 35963), and \
            anything that reaches it can present a card.
            """
    )

    @Option(help: "GOST R 34.10-2012 private key, PEM or DER (from `openssl genpkey -algorithm gost2012_256`).")
    var key: String

    @Option(help: "The key's X.509 certificate, PEM or DER; stored on the card at 3F00/1000/1000/6004/0001.")
    var cert: String

    @Option(name: .customLong("pin-file"), help: "File holding the user PIN (trailing newline ignored).")
    var pinFile: String?

    @Option(help: "The user PIN; visible in the process list, so prefer --pin-file. Default 12345678.")
    var pin: String?

    @Option(help: "Wrong PINs allowed before the PIN blocks (1-15).")
    var retries: Int = 10

    @Option(help: "Card serial number as hex digits (GET DATA 01 81 and the PKCS#15 TokenInfo).")
    var serial: String = "12345678"

    @Option(help: "Token label in the PKCS#15 TokenInfo.")
    var label: String = "gosgate virtual token"

    @Option(name: .customLong("key-ref"), help: "Key reference for MSE:SET (also the key file 3F00/1000/1000/6002/00kk).")
    var keyReference: UInt8 = 1

    @Option(name: .customLong("key-id"), help: "CKA_ID of the key and certificate, hex.")
    var keyID: String = "01"

    @Option(help: "vpcd address; keep it on loopback.")
    var host: String = "127.0.0.1"

    @Option(help: "vpcd port (0x8C7B for the first vpcd reader, 35964 for the second).")
    var port: UInt16 = 35963

    @Option(help: "Unix socket for the run-time switches (in addition to standard input).")
    var control: String?

    @Option(name: .customLong("sign-delay"), help: "Milliseconds to wait before answering each PSO:CDS.")
    var signDelay: Int = 0

    @Flag(help: "Start with the card out of the reader (until `insert`).")
    var removed = false

    @Flag(help: "Start with the user PIN blocked.")
    var locked = false

    @Flag(help: "Do not log one line per APDU.")
    var quiet = false

    mutating func validate() throws {
        guard (1...15).contains(retries) else { throw ValidationError("--retries must be 1...15") }
        guard Data(hexDigits: serial, allowingSeparators: true) != nil, !serial.isEmpty else { throw ValidationError("--serial must be hex digits") }
        guard let id = Data(hexDigits: keyID, allowingSeparators: true), !id.isEmpty else { throw ValidationError("--key-id must be hex digits") }
        guard keyReference > 0 else { throw ValidationError("--key-ref must be 1...255") }
        guard pin == nil || pinFile == nil else { throw ValidationError("give --pin or --pin-file, not both") }
    }

    func run() throws {
        // A parent may have started us with signals blocked (Foundation's Process passes its
        // thread's mask on); SIGTERM must stop the card.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, nil)
        signal(SIGPIPE, SIG_IGN)
        let log = CardLog(logsAPDUs: !quiet)
        let signer: SoftwareSigner
        do {
            signer = try SoftwareSigner(keyFile: key, certificateFile: cert)
        } catch {
            throw ValidationError("cannot use --key/--cert: \(error)")
        }
        let pinBytes = try loadPIN()
        guard (PKCS15Layout.minimumPINLength...PKCS15Layout.maximumPINLength).contains(pinBytes.count) else {
            throw ValidationError("the PIN must be \(PKCS15Layout.minimumPINLength)-\(PKCS15Layout.maximumPINLength) characters")
        }
        let paramSet = Self.openSCParamSetNumber(signer.key.parameterSet)
        if paramSet == nil {
            log.event("warning: the key is on \(signer.key.parameterSet); opensc-pkcs11.so signs only with CryptoPro A/B/C keys")
        }
        let layout = PKCS15Layout(label: label, serial: Data(hexDigits: serial, allowingSeparators: true) ?? Data(), keyReference: keyReference,
                                  keyID: Data(hexDigits: keyID, allowingSeparators: true) ?? Data(), paramSetNumber: paramSet ?? 1,
                                  certificateDER: signer.certificate.der)
        let card = VirtualRutoken(layout: layout, key: signer.key, pin: pinBytes, maximumRetries: retries)
        if locked { card.lock() }
        card.setSignDelay(.milliseconds(signDelay))
        let link = VPCDLink(host: host, port: port, card: card, inserted: !removed, log: log)
        let control = CardControl(card: card, link: link, log: log)
        if let socketPath = self.control {
            try serveControlSocket(control, at: socketPath)
        }
        Thread.detachNewThread { control.serveStandardInput() }
        log.event("virtual Rutoken ECP serial \(serial), key \(keyID) (\(signer.key.parameterSet.name)), "
                  + "certificate \(signer.certificate.subject), \(retries) PIN retries")
        link.run()
    }

    private func serveControlSocket(_ control: CardControl, at path: String) throws {
        do {
            try control.serveSocket(at: path)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    private func loadPIN() throws -> [UInt8] {
        if let pinFile {
            guard let contents = FileManager.default.contents(atPath: pinFile) else {
                throw ValidationError("cannot read --pin-file \(pinFile)")
            }
            var bytes = [UInt8](contents)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            return bytes
        }
        return Array((pin ?? "12345678").utf8)
    }

    /// OpenSC's PrKDF paramset numbers (1, 2, 3 = CryptoPro A, B, C); nil for curves it cannot use.
    private static func openSCParamSetNumber(_ parameterSet: GOSTParameterSet) -> Int? {
        switch parameterSet.oid {
        case GOSTParameterSet.cryptoProA.oid: return 1
        case GOSTParameterSet.cryptoProB.oid: return 2
        case GOSTParameterSet.cryptoProC.oid: return 3
        default: return nil
        }
    }
}
