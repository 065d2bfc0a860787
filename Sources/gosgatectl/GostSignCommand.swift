import ArgumentParser
import Foundation
import GOST

/// `gosgatectl gost sign --key K --cert C (--cms|--raw) [--out F] FILE|-`: sign with a software key.
struct GostSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a file with a software GOST key: detached CAdES-BES (API-KEY flow) or raw s‖r (OAuth v2/v3).",
        discussion: """
            Without --out the signature is printed as base64url without padding, ready for ESIA's \
            `signature`/`client_secret` parameters. With --out it is written as DER (CMS) or 64/128 \
            binary bytes (raw), unless --format says otherwise.
            """
    )

    enum Kind: String, EnumerableFlag {
        case cms, raw

        static func help(for value: Kind) -> ArgumentHelp? {
            switch value {
            case .cms: return "Detached CAdES-BES CMS with signingCertificateV2 (ESIA API-KEY flow)."
            case .raw: return "Raw s‖r signature of the Streebog digest (ESIA OAuth v2/v3 client_secret)."
            }
        }
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case der, pem, base64url
    }

    @Option(help: "Private key (PKCS#8 PEM or DER, unencrypted).")
    var key: String

    @Option(help: "Certificate of the key (PEM or DER).")
    var cert: String

    @Flag(help: "Signature kind.")
    var kind: Kind

    @Option(help: "Write the signature to this file instead of standard output.")
    var out: String?

    @Option(help: "Encoding: der (binary), pem (CMS only) or base64url. Default: der with --out, base64url without.")
    var format: Format?

    @Argument(help: "The file to sign, or - for standard input.")
    var file: String

    @OptionGroup var output: GostOutputOptions

    func validate() throws {
        if format == .pem, kind == .raw { throw ValidationError("--format pem applies to --cms only") }
    }

    func run() async throws {
        do {
            let signer = try SoftwareSigner(keyFile: key, certificateFile: cert)
            try signer.certificate.checkValidity()
            let signature: Data
            switch (kind, file) {
            case (.cms, "-"):
                signature = try await CAdESBuilder.sign(content: GostConsole.read("-", what: "content"), signer: signer)
            case (.cms, _):
                signature = try await CAdESBuilder.sign(contentFile: file, signer: signer)
            case (.raw, "-"):
                signature = try await RawSignature.sign(message: GostConsole.read("-", what: "content"), signer: signer)
            case (.raw, _):
                signature = try await RawSignature.sign(messageFile: file, signer: signer)
            }
            let encoding = format ?? (out == nil ? .base64url : .der)
            let encoded: Data
            switch encoding {
            case .der: encoded = signature
            case .base64url: encoded = Data((Base64URL.encode(signature) + (out == nil ? "" : "\n")).utf8)
            case .pem: encoded = Data(Self.pem(signature).utf8)
            }
            if let out {
                do {
                    try encoded.write(to: URL(fileURLWithPath: out))
                } catch {
                    throw GOSTError.io("cannot write \(out): \(error.localizedDescription)")
                }
            }
            let summary = "\(kind == .cms ? "CAdES-BES" : "raw") signature, \(signature.count) bytes, by \(signer.certificate.subject)"
            if output.json {
                GostConsole.emit(json: true, text: "", object: [
                    "kind": kind.rawValue, "encoding": encoding.rawValue, "bytes": String(signature.count),
                    "signer": signer.certificate.subject, "clientCertificateHash": signer.certificate.clientCertificateHash,
                    "out": out ?? "", "signature": out == nil ? Base64URL.encode(signature) : "",
                ])
            } else if let out {
                print("wrote \(summary) to \(out)")
            } else if encoding == .der {
                FileHandle.standardOutput.write(encoded)
            } else {
                print(String(decoding: encoded, as: UTF8.self))
            }
        } catch {
            throw GostConsole.fail(error, json: output.json)
        }
    }

    /// PEM `CMS` block (what `openssl cms -outform PEM` writes).
    private static func pem(_ der: Data) -> String {
        let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CMS-----\n\(body)\n-----END CMS-----\n"
    }
}
