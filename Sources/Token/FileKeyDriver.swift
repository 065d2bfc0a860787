import Foundation
import GOST

/// A software key on disk, for test stands only: no token, no PIN, and the key can be copied by
/// anyone who can read the file. `TokenSigner` refuses it unless explicitly allowed and flags it
/// in every status report.
final class FileKeyDriver: TokenDriver {
    let kind = TokenDriverKind.file
    let needsLogin = false
    let isLoggedIn = true
    private(set) var signingCommandsSent = 0

    private let key: GOSTPrivateKey
    private let path: String

    init(settings: SoftwareKeySettings) throws(TokenError) {
        guard settings.allowSoftwareKey else { throw .softwareKeyNotAllowed }
        do {
            key = try GOSTPrivateKey(contentsOfFile: settings.keyFile)
        } catch {
            throw .configurationInvalid("cannot load the software key \(settings.keyFile): \(error)")
        }
        path = settings.keyFile
    }

    func connect(until deadline: ContinuousClock.Instant) throws(TokenError) -> TokenIdentity {
        TokenIdentity(label: "software key (test stands only)", model: "file driver", key: path,
                      mechanism: "OpenSSL GOST engine, \(key.parameterSet.name)")
    }

    func pinCounter() throws(TokenError) -> PINCounter { .unknown }

    func login(_ pin: TokenPIN) throws(TokenError) -> LoginOutcome { .accepted }

    func sign(digest: Data) throws(TokenError) -> Data {
        signingCommandsSent += 1
        do {
            return try key.sign(digest: digest)
        } catch {
            throw .configurationInvalid("the software key cannot sign: \(error)")
        }
    }

    func sign(message: Data) throws(TokenError) -> Data? { nil }

    func readCertificate() throws(TokenError) -> GOSTCertificate? { nil }

    func logout() {}

    func disconnect() {}

    /// The key's public half, to check the configured certificate against.
    var publicKey: GOSTPublicKey { key.publicKey }
}
