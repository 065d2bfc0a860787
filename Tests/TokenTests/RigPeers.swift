import Foundation
import GOST
import Logging
import TestSupport
import Testing
@testable import Token

/// Signer configurations for the rig's virtual card, and the independent checks the tests use.
enum RigPeers {
    /// The `pkcs11` driver through the real `opensc-pkcs11.so`. OpenSC cannot expose a GOST-2012
    /// certificate, so the certificate comes from the file, as it must on a real site.
    static func pkcs11(_ rig: PCSCRig, deadline: Duration = .seconds(10)) -> TokenConfiguration {
        TokenConfiguration(driver: .pkcs11(PKCS11Settings(modulePath: PCSCRig.openSCModule,
                                                          tokenSerial: rig.options.serial,
                                                          keyID: Data(hex: rig.options.keyID))),
                           certificateFile: rig.certificatePath, deadline: deadline)
    }

    /// The `pcsc` driver with the Rutoken profile's default paths; the certificate is read from the card.
    static func pcsc(_ rig: PCSCRig, deadline: Duration = .seconds(10)) -> TokenConfiguration {
        TokenConfiguration(driver: .pcsc(PCSCSettings(reader: PCSCRig.readerName)), deadline: deadline)
    }

    /// The `file` driver with the same key the card holds.
    static func file(_ rig: PCSCRig) -> TokenConfiguration {
        TokenConfiguration(driver: .file(SoftwareKeySettings(keyFile: rig.keyPair.keyPath, allowSoftwareKey: true)),
                           certificateFile: rig.certificatePath)
    }

    static func configuration(_ kind: TokenDriverKind, _ rig: PCSCRig, deadline: Duration = .seconds(10)) -> TokenConfiguration {
        switch kind {
        case .pkcs11: return pkcs11(rig, deadline: deadline)
        case .pcsc: return pcsc(rig, deadline: deadline)
        case .file: return file(rig)
        }
    }

    /// Opens a signer holding the rig's PIN (or `pin`).
    static func signer(_ kind: TokenDriverKind, _ rig: PCSCRig, pin: String? = nil, log: CapturedLog = CapturedLog(),
                       deadline: Duration = .seconds(10)) async throws -> TokenSigner {
        try await TokenSigner.open(configuration(kind, rig, deadline: deadline),
                                   pin: TokenPIN(pin ?? rig.options.pin), logger: log.logger())
    }

    /// Streebog-256 of `payload` by `openssl dgst`, not by our code.
    static func opensslDigest(_ payload: Data) throws -> Data {
        try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary"], stdin: payload).stdout
    }

    /// `openssl pkeyutl -verify` of a raw `s‖r` signature over `digest` with the certificate's key.
    static func opensslVerifies(signature: Data, digest: Data, certificate: String, in directory: TemporaryDirectory) throws -> Bool {
        let name = UUID().uuidString
        try digest.write(to: URL(fileURLWithPath: directory.path("\(name).dgst")))
        try signature.write(to: URL(fileURLWithPath: directory.path("\(name).sig")))
        let result = try OpenSSLCLI.run(["pkeyutl", "-verify", "-certin", "-inkey", certificate,
                                         "-in", directory.path("\(name).dgst"), "-sigfile", directory.path("\(name).sig")])
        return result.status == 0 && result.stdoutText.contains("Signature Verified Successfully")
    }

    /// `openssl cms -verify` of a detached DER CMS over `content`, trusting `certificate`.
    static func opensslVerifiesCMS(_ cms: Data, content: Data, certificate: String, in directory: TemporaryDirectory) throws -> Bool {
        let name = UUID().uuidString
        try cms.write(to: URL(fileURLWithPath: directory.path("\(name).p7s")))
        try content.write(to: URL(fileURLWithPath: directory.path("\(name).txt")))
        let result = try OpenSSLCLI.run(["cms", "-verify", "-binary", "-inform", "DER", "-in", directory.path("\(name).p7s"),
                                         "-content", directory.path("\(name).txt"), "-CAfile", certificate,
                                         "-out", "/dev/null"])
        return result.status == 0 && result.stderr.contains("Verification successful")
    }

    /// The card's answer to an empty VERIFY of the user PIN, asked by `opensc-tool` (not our code):
    /// `63 Cx` gives the retries left, `69 83` blocked, `90 00` verified.
    static func cardPINStatusWord(_ rig: PCSCRig) throws -> String {
        let output = try PCSCRig.runPeer("/usr/bin/opensc-tool", ["-r", "0", "-s", "00:A4:08:0C:02:50:00", "-s", "00:20:00:02"]).output
        guard let line = output.split(separator: "\n").last(where: { $0.contains("SW1=") }) else {
            throw PeerFailure("opensc-tool printed no status word: \(output)")
        }
        // "Received (SW1=0x63, SW2=0xC4)"
        let digits = line.split(whereSeparator: { !$0.isHexDigit && $0 != "x" })
            .filter { $0.hasPrefix("0x") }.map { $0.dropFirst(2).uppercased() }
        return digits.joined()
    }

    /// Number of VERIFY commands carrying a PIN that reached the card (from the card's APDU log).
    static func pinAttempts(_ rig: PCSCRig) -> Int {
        rig.cardLogText.split(separator: "\n").filter {
            $0.contains("APDU VERIFY:") && ($0.contains("wrong PIN") || $0.contains("PIN accepted"))
        }.count
    }

    static func randomPayload() -> Data {
        Data("gosgate payload \(UUID().uuidString)\n".utf8)
    }
}
