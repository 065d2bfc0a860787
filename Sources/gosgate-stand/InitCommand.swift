import ArgumentParser
import Stand

/// `gosgate-stand init DIR`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a stand directory: CA, server and signer certificates, API-KEYs, stand.json."
    )

    @Argument(help: "The directory to create (or fill).")
    var directory: String

    @Option(help: "Name of the registered organisation.")
    var organisation = "ООО «Стенд»"

    @Option(help: "The employee who holds the virtual card (CN of the signer certificate).")
    var employee = "Иванов Иван Иванович"

    @Option(help: "Mnemonic (client_id) of the vendor system.")
    var mnemonic = "GOSGATE_STAND"

    @Option(name: .customLong("api-keys"), help: "How many API-KEYs to issue.")
    var apiKeys = 1

    @Option(name: .customLong("token-algorithm"), help: "JWT signature: GOST3410_2012_256 or RS256.")
    var tokenAlgorithm = "GOST3410_2012_256"

    @Option(help: "Port written into stand.json.")
    var port = 7443

    @Flag(help: "Configure plain HTTP instead of GOST TLS.")
    var plain = false

    @Flag(help: "Overwrite an existing stand in DIR.")
    var force = false

    func run() throws {
        var options = StandInitializer.Options()
        options.organisationName = organisation
        options.employeeName = employee
        options.mnemonic = mnemonic
        options.apiKeyCount = apiKeys
        options.tokenAlgorithm = tokenAlgorithm
        options.port = port
        options.plain = plain
        options.force = force
        do {
            let result = try StandInitializer.initialize(directory: directory, options: options)
            print("""
                stand written to \(directory)
                  configuration:        \(result.configurationFile) (API-KEYs are in it: keep it private)
                  CA certificate:       \(result.caCertificate) (trust it in clients: curl --cacert, gosgated ca)
                  server certificate:   \(result.serverCertificate) (localhost, 127.0.0.1, ::1)
                  signer key and cert:  \(result.signerKey), \(result.signerCertificate) (the virtual card's)
                  token verification:   \(result.tokenVerificationFile)
                  organisation:         \(result.organisation.name), ОГРН \(result.organisation.ogrn), ИНН \(result.organisation.inn), \(result.organisation.apiKeys.count) API-KEY(s)
                next: gosgate-stand serve --dir \(directory)
                """)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
