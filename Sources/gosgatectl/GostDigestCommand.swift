import ArgumentParser
import Foundation
import GOST

/// `gosgatectl gost digest [--512] FILE|-`: Streebog of a file, read in chunks.
struct GostDigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the Streebog-256 (or -512) digest of a file, as `openssl dgst -md_gost12_256` does.",
        discussion: "The hex is the digest bytes in OpenSSL order; RFC 6986 prints the same value byte-reversed."
    )

    @Flag(name: .customLong("512"), help: "Streebog-512 instead of Streebog-256.")
    var use512 = false

    @Argument(help: "The file to hash, or - for standard input.")
    var file: String

    @OptionGroup var output: GostOutputOptions

    func run() async throws {
        do {
            let size: Streebog.Size = use512 ? .bits512 : .bits256
            let digest = file == "-"
                ? try Streebog.hash(reading: FileHandle.standardInput, size: size, name: "standard input")
                : try Streebog.hash(fileAt: file, size: size)
            let hex = digest.map { String(format: "%02x", $0) }.joined()
            GostConsole.emit(json: output.json, text: "\(hex)  \(file)", object: [
                "file": file, "algorithm": size.description, "oid": size.oid, "digest": hex,
            ])
        } catch {
            throw GostConsole.fail(error, json: output.json)
        }
    }
}
