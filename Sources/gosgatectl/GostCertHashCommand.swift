import ArgumentParser
import Foundation
import GOST

/// `gosgatectl gost cert-hash CERT`: ESIA's `client_certificate_hash`.
struct GostCertHashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert-hash",
        abstract: "Print ESIA's client_certificate_hash: uppercase hex Streebog-256 of the certificate DER."
    )

    @Argument(help: "The certificate (PEM or DER; the first one of a PEM bundle).")
    var certificate: String

    @OptionGroup var output: GostOutputOptions

    func run() async throws {
        do {
            let parsed = try GOSTCertificate(contentsOfFile: certificate)
            GostConsole.emit(json: output.json, text: parsed.clientCertificateHash, object: [
                "certificate": certificate, "subject": parsed.subject,
                "clientCertificateHash": parsed.clientCertificateHash,
            ])
        } catch {
            throw GostConsole.fail(error, json: output.json)
        }
    }
}
