import ArgumentParser
import Foundation
import GOST

/// `gosgatectl gost verify (--cms SIG --content FILE | --raw SIG --cert C FILE) [--strict-cades]`.
struct GostVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a detached CMS/CAdES-BES or a raw s‖r GOST signature and say which check failed.",
        discussion: """
            Signature files may be DER, PEM or base64url text. A CMS is checked against its embedded \
            certificate (or --cert when none is embedded), and the certificate's validity at the signed \
            signingTime (or --at). A raw signature is checked against --cert, valid now (or --at). \
            Exit status 0 means verified, 1 means not (the reason is printed).
            """
    )

    @Option(help: "Detached CMS signature file.")
    var cms: String?

    @Option(help: "The signed content for --cms, or - for standard input.")
    var content: String?

    @Option(help: "Raw s‖r signature file.")
    var raw: String?

    @Option(help: "Signer certificate: required with --raw, a fallback with --cms when none is embedded.")
    var cert: String?

    @Flag(help: "Require CAdES-BES: signingTime and signingCertificateV2 must be present (openssl cms -sign lacks the latter).")
    var strictCades = false

    @Option(help: "Check the certificate's validity at this moment (2026-05-28 or 2026-05-28T12:00:00Z).")
    var at: String?

    @Argument(help: "With --raw: the signed file, or - for standard input.")
    var file: String?

    @OptionGroup var output: GostOutputOptions

    func validate() throws {
        switch (cms, raw) {
        case (.some, .none):
            guard content != nil else { throw ValidationError("--cms needs --content FILE") }
            guard file == nil else { throw ValidationError("with --cms the content goes in --content, not as an argument") }
        case (.none, .some):
            guard cert != nil else { throw ValidationError("--raw needs --cert CERT") }
            guard file != nil else { throw ValidationError("--raw needs the signed FILE (or -)") }
        default:
            throw ValidationError("give exactly one of --cms SIG or --raw SIG")
        }
        if let at, GostConsole.parseDate(at) == nil {
            throw ValidationError("--at \(at) is not a date like 2026-05-28 or 2026-05-28T12:00:00Z")
        }
    }

    func run() async throws {
        do {
            let date = at.flatMap(GostConsole.parseDate)
            let certificate = try cert.map { path throws(GOSTError) in try GOSTCertificate(contentsOfFile: path) }
            if let cms, let content {
                try verifyCMS(signaturePath: cms, contentPath: content, date: date, certificate: certificate)
            } else if let raw, let file, let certificate {
                try verifyRaw(signaturePath: raw, file: file, date: date ?? Date(), certificate: certificate)
            }
        } catch {
            throw GostConsole.fail(error, json: output.json)
        }
    }

    private func verifyCMS(signaturePath: String, contentPath: String, date: Date?, certificate: GOSTCertificate?) throws {
        let signature = try GostConsole.read(signaturePath, what: "signature")
        let profile: CAdESVerifier.Profile = strictCades ? .cadesBES : .cms
        let result = contentPath == "-"
            ? try CAdESVerifier.verify(signature: signature, content: GostConsole.read("-", what: "content"), at: date,
                                       profile: profile, signerCertificate: certificate)
            : try CAdESVerifier.verify(signature: signature, contentFile: contentPath, at: date, profile: profile,
                                       signerCertificate: certificate)
        var lines = ["Verified: CMS signature by \(result.signerCertificate.subject) (serial \(result.signerCertificate.serialNumber))"]
        lines.append("  signed at:            " + (result.signingTime.map(GostConsole.timestamp) ?? "(no signingTime)"))
        lines.append("  digest:               \(result.digest)")
        lines.append("  signingCertificateV2: " + (result.hasSigningCertificateV2
            ? "present, matches the signer certificate"
            : "absent (plain CMS; --strict-cades requires it, as ESIA does)"))
        lines.append("  ESIA hash:            \(result.signerCertificate.clientCertificateHash)")
        GostConsole.emit(json: output.json, text: lines.joined(separator: "\n"), object: Report(
            verified: true, kind: "cms", signer: GostCertificateSummary(result.signerCertificate),
            signingTime: result.signingTime, digest: result.digest.description,
            signingCertificateV2: result.hasSigningCertificateV2))
    }

    private func verifyRaw(signaturePath: String, file: String, date: Date, certificate: GOSTCertificate) throws {
        let keySize = try certificate.requireGOST()
        let signature = try SignatureEncoding.rawSignature(from: GostConsole.read(signaturePath, what: "signature"),
                                                           byteCount: keySize.signatureByteCount)
        if file == "-" {
            try RawSignature.verify(signature: signature, message: GostConsole.read("-", what: "content"),
                                    certificate: certificate, at: date)
        } else {
            try RawSignature.verify(signature: signature, messageFile: file, certificate: certificate, at: date)
        }
        let text = "Verified: raw \(keySize.digest) signature by \(certificate.subject) (serial \(certificate.serialNumber))"
        GostConsole.emit(json: output.json, text: text, object: Report(
            verified: true, kind: "raw", signer: GostCertificateSummary(certificate), signingTime: nil,
            digest: keySize.digest.description, signingCertificateV2: nil))
    }

    /// `--json` answer on success.
    struct Report: Encodable {
        let verified: Bool
        let kind: String
        let signer: GostCertificateSummary
        let signingTime: Date?
        let digest: String
        let signingCertificateV2: Bool?
    }
}
