import ArgumentParser
import Foundation
import GOST

/// `gosgatectl gost cert show CERT`: what an admin needs to know about a certificate.
struct GostCertShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show subject, issuer, validity, key, Russian registration numbers and the ESIA hash."
    )

    @Argument(help: "The certificate (PEM or DER; the first one of a PEM bundle).")
    var certificate: String

    @OptionGroup var output: GostOutputOptions

    func run() async throws {
        do {
            let parsed = try GOSTCertificate(contentsOfFile: certificate)
            GostConsole.emit(json: output.json, text: Self.text(parsed), object: GostCertificateSummary(parsed))
        } catch {
            throw GostConsole.fail(error, json: output.json)
        }
    }

    static func text(_ certificate: GOSTCertificate) -> String {
        var lines: [(String, String)] = [
            ("Subject", certificate.subject),
            ("Issuer", certificate.issuer),
            ("Serial", certificate.serialNumber),
            ("Not before", GostConsole.timestamp(certificate.notBefore)),
            ("Not after", GostConsole.timestamp(certificate.notAfter)),
            ("Status", status(certificate)),
            ("Key", certificate.keyAlgorithm.description),
        ]
        let russian: [(String, String?)] = [
            ("OGRN", certificate.ogrn), ("OGRNIP", certificate.ogrnip), ("INN", certificate.inn),
            ("INNLE", certificate.innle), ("SNILS", certificate.snils),
        ]
        lines += russian.compactMap { name, value in value.map { (name, $0) } }
        lines.append(("ESIA hash", certificate.clientCertificateHash))
        if certificate.keySize == nil {
            lines.append(("Usable", "no: not a GOST R 34.10-2012 key; ESIA and GOST TLS need one"))
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { name, value in
            (name + ":").padding(toLength: width + 2, withPad: " ", startingAt: 0) + value
        }.joined(separator: "\n")
    }

    private static func status(_ certificate: GOSTCertificate) -> String {
        if certificate.isValid() { return "valid now" }
        return Date() > certificate.notAfter
            ? "EXPIRED on \(GostConsole.timestamp(certificate.notAfter))"
            : "NOT YET VALID (from \(GostConsole.timestamp(certificate.notBefore)))"
    }
}
