import ArgumentParser
import Foundation
import GOST

/// `gosgatectl gost …`: offline GOST toolbox — digests, certificates, signing and verification,
/// with the same code the gateway uses.
struct GostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gost",
        abstract: "Streebog digests, GOST certificates, CAdES and raw ESIA signatures.",
        subcommands: [GostDigestCommand.self, GostCertHashCommand.self, GostCertCommand.self,
                      GostSignCommand.self, GostVerifyCommand.self]
    )
}

/// `--json` for every `gost` subcommand.
struct GostOutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false
}

/// Printing results and failures the same way in every `gost` subcommand: text or JSON on stdout,
/// one-line reasons on stderr, exit status 1 on failure.
enum GostConsole {
    /// Prints `text`, or `object` as JSON when `json` is set.
    static func emit(json: Bool, text: @autoclosure () -> String, object: some Encodable) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            // Encoding plain value types cannot fail.
            let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(text())
        }
    }

    /// Reports `error` in one line (JSON `{"code", "message"}` on stdout with `--json`) and returns
    /// the exit code to throw.
    static func fail(_ error: any Error, json: Bool) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        let (code, message) = describe(error)
        if json {
            emit(json: true, text: "", object: ["code": code, "message": message])
        } else {
            FileHandle.standardError.write(Data("gosgatectl: \(message)\n".utf8))
        }
        return ExitCode(1)
    }

    private static func describe(_ error: any Error) -> (code: String, message: String) {
        if let error = error as? GOSTError { return (error.code, error.description) }
        return ("error", String(describing: error))
    }

    /// Reads a whole input named on the command line; `-` is standard input.
    static func read(_ path: String, what: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw GOSTError.io("cannot read \(what) \(path): \(error.localizedDescription)")
        }
    }

    /// `2026-05-28 12:00:00 UTC`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    /// Parses `2026-05-28`, `2026-05-28T12:00:00Z` or `2026-05-28T12:00:00+03:00`.
    static func parseDate(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }
}

/// What `cert show` and `verify --json` say about a certificate.
struct GostCertificateSummary: Encodable {
    let subject: String
    let issuer: String
    let serialNumber: String
    let notBefore: Date
    let notAfter: Date
    let validNow: Bool
    let keyAlgorithm: String
    let keyAlgorithmOID: String
    let keySize: Int?
    let parameterSet: String?
    let parameterSetOID: String?
    let ogrn: String?
    let ogrnip: String?
    let inn: String?
    let innle: String?
    let snils: String?
    let clientCertificateHash: String

    init(_ certificate: GOSTCertificate) {
        subject = certificate.subject
        issuer = certificate.issuer
        serialNumber = certificate.serialNumber
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        validNow = certificate.isValid()
        keyAlgorithm = certificate.keyAlgorithm.description
        keyAlgorithmOID = certificate.keyAlgorithmOID
        keySize = certificate.keySize?.bits
        parameterSet = certificate.parameterSet?.name
        parameterSetOID = certificate.parameterSet?.oid
        ogrn = certificate.ogrn
        ogrnip = certificate.ogrnip
        inn = certificate.inn
        innle = certificate.innle
        snils = certificate.snils
        clientCertificateHash = certificate.clientCertificateHash
    }
}
