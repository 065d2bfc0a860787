import Foundation
import GOST

/// `gosgate-stand init DIR`: writes everything a demo needs into one directory — a test CA, the
/// stand's GOST TLS certificate, the token-signing key, a registered organisation with API-KEYs, the
/// signer key and certificate for the virtual card, and `stand.json`.
public enum StandInitializer {
    /// What to generate.
    public struct Options: Sendable {
        /// The organisation's name (also the `O` of the signer certificate).
        public var organisationName = "ООО «Стенд»"
        /// The employee who holds the card (the signer certificate's `CN`).
        public var employeeName = "Иванов Иван Иванович"
        /// The vendor system's mnemonic (`client_id`).
        public var mnemonic = "GOSGATE_STAND"
        /// How many API-KEYs to issue (each to another employee OID).
        public var apiKeyCount = 1
        /// `GOST3410_2012_256` or `RS256`.
        public var tokenAlgorithm = StandTokenSettings.gostAlgorithm
        /// The listener port written into the configuration.
        public var port = 7443
        /// Plain HTTP instead of GOST TLS.
        public var plain = false
        /// Overwrite an existing stand directory.
        public var force = false

        public init() {}
    }

    /// The files written, for the summary a person reads.
    public struct Result: Sendable {
        public let configurationFile: String
        public let caCertificate: String
        public let serverCertificate: String
        public let signerKey: String
        public let signerCertificate: String
        public let tokenVerificationFile: String
        /// The registered organisation.
        public let organisation: StandOrganisation
    }

    /// Generates the stand directory `directory`.
    /// - Throws: `.configuration` when the directory already holds a stand and `force` is off.
    @discardableResult
    public static func initialize(directory: String, options: Options = Options()) throws(StandError) -> Result {
        let base = URL(fileURLWithPath: directory)
        func path(_ name: String) -> String { base.appendingPathComponent(name).path }
        let configurationPath = path(StandConfiguration.fileName)
        if FileManager.default.fileExists(atPath: configurationPath), !options.force {
            throw .configuration("\(configurationPath) already exists; pass --force to overwrite the stand")
        }
        guard options.apiKeyCount >= 1, options.apiKeyCount <= 100 else {
            throw .configuration("--api-keys must be 1…100")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create \(directory): \(error.localizedDescription)")
        }

        let ogrn = RussianRegistrationNumber.ogrn()
        let inn = RussianRegistrationNumber.innLegalEntity()
        let organisationOID = Int64.random(in: 1_000_000_000...1_099_999_999)

        do {
            let caKey = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
            let ca = try CertificateIssuer.makeCA(
                subject: DistinguishedName(commonName: "gosgate stand test CA", organization: "gosgate stand", country: "RU"),
                key: caKey)
            try write(caKey.pem, to: path("ca.key.pem"), secret: true)
            try write(ca.certificate.pem, to: path("ca.pem"))

            let serverKey = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
            let server = try ca.issue(subject: DistinguishedName(commonName: "localhost", organization: "gosgate stand"),
                                      publicKey: serverKey.publicKey,
                                      profile: .tlsServer(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"]))
            try write(serverKey.pem, to: path("server.key.pem"), secret: true)
            try write(server.pem, to: path("server.pem"))
            try write([server.pem, ca.certificate.pem].map(pemBlock).joined(), to: path("server-chain.pem"))

            // OpenSC's rtecp driver handles only the CryptoPro A/B/C curves, so the card key is on A.
            let signerKey = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
            let signer = try ca.issue(
                subject: DistinguishedName([
                    .init("C", "RU"), .init("O", options.organisationName), .init("CN", options.employeeName),
                    .init("OGRN", ogrn), .init("INNLE", inn), .init("INN", "00" + inn),
                ]),
                publicKey: signerKey.publicKey, profile: .signer)
            try write(signerKey.pem, to: path("signer.key.pem"), secret: true)
            try write(signer.pem, to: path("signer.pem"))

            var tokens = StandTokenSettings(algorithm: options.tokenAlgorithm)
            switch options.tokenAlgorithm {
            case StandTokenSettings.gostAlgorithm:
                let tokenKey = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
                let tokenCertificate = try ca.issue(
                    subject: DistinguishedName(commonName: "ESIA stand token signing", organization: "gosgate stand"),
                    publicKey: tokenKey.publicKey, profile: .init(keyUsage: ["digitalSignature"]))
                try write(tokenKey.pem, to: path("esia-token.key.pem"), secret: true)
                try write(tokenCertificate.pem, to: path("esia-token.pem"))
            case StandTokenSettings.rsaAlgorithm:
                try GOSTEngine.ensureLoaded()
                let rsa = try RSATokenKey.generate()
                try write(String(decoding: try rsa.privateKeyPEM, as: UTF8.self), to: path("esia-token.key.pem"), secret: true)
                try write(String(decoding: try rsa.publicKeyPEM, as: UTF8.self), to: path("esia-token.pub.pem"))
                tokens.verificationFile = "esia-token.pub.pem"
            default:
                throw StandError.configuration("token algorithm \(options.tokenAlgorithm) is not GOST3410_2012_256 or RS256")
            }

            let apiKeys = (0..<options.apiKeyCount).map { index in
                StandAPIKey(key: UUID().uuidString.lowercased(), userOID: 1_000_000_001 + Int64(index), clientID: options.mnemonic)
            }
            let organisation = StandOrganisation(name: options.organisationName, oid: organisationOID, ogrn: ogrn, inn: inn,
                                                 certificates: ["signer.pem"], apiKeys: apiKeys)
            let configuration = StandConfiguration(
                listener: StandListenerSettings(port: options.port, tls: !options.plain),
                tokens: tokens,
                systems: [StandSystem(clientID: options.mnemonic, subjectOID: 1_000_000_000, certificates: ["signer.pem"])],
                organisations: [organisation])
            try configuration.write(to: configurationPath)
            chmod(configurationPath, 0o600)
            return Result(configurationFile: configurationPath, caCertificate: path("ca.pem"), serverCertificate: path("server.pem"),
                          signerKey: path("signer.key.pem"), signerCertificate: path("signer.pem"),
                          tokenVerificationFile: path(tokens.verificationFile), organisation: organisation)
        } catch let error as StandError {
            throw error
        } catch {
            throw .keyMaterial("cannot generate the stand's keys and certificates: \(error)")
        }
    }

    /// Text that ends with a line break, so PEM blocks can be concatenated into a bundle.
    private static func pemBlock(_ pem: String) -> String {
        pem.hasSuffix("\n") ? pem : pem + "\n"
    }

    private static func write(_ text: String, to path: String, secret: Bool = false) throws(StandError) {
        guard FileManager.default.createFile(atPath: path, contents: Data(pemBlock(text).utf8),
                                             attributes: [.posixPermissions: secret ? 0o600 : 0o644]) else {
            throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        // createFile keeps the mode of an existing file; set it explicitly.
        chmod(path, secret ? 0o600 : 0o644)
    }
}
