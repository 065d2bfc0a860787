import GOST

/// The parties the emulated ESIA knows: API-KEYs with their organisations, and systems with their
/// registered certificates, indexed for the token methods.
struct ESIARegistry: Sendable {
    /// An API-KEY and what it is bound to.
    struct KeyBinding: Sendable {
        let apiKey: StandAPIKey
        let organisation: StandOrganisation
        /// Uppercase hex Streebog-256 of every certificate allowed to sign for the organisation.
        let certificateHashes: Set<String>
    }

    /// A system and its registered certificates by `client_certificate_hash`.
    struct SystemBinding: Sendable {
        let system: StandSystem
        let certificates: [String: GOSTCertificate]
    }

    private let keys: [String: KeyBinding]
    private let systems: [String: SystemBinding]

    /// Reads every registered certificate named in `configuration`.
    init(configuration: StandConfiguration) throws(StandError) {
        var keys: [String: KeyBinding] = [:]
        for organisation in configuration.organisations {
            var hashes = Set(organisation.certificateHashes.map { $0.uppercased() })
            for path in organisation.certificates {
                hashes.insert(try Self.certificate(configuration.resolve(path), owner: organisation.name).clientCertificateHash)
            }
            for apiKey in organisation.apiKeys {
                guard keys[apiKey.key] == nil else {
                    throw .configuration("an API-KEY of \(organisation.name) is listed twice")
                }
                keys[apiKey.key] = KeyBinding(apiKey: apiKey, organisation: organisation, certificateHashes: hashes)
            }
        }
        var systems: [String: SystemBinding] = [:]
        for system in configuration.systems {
            var certificates: [String: GOSTCertificate] = [:]
            for path in system.certificates {
                let certificate = try Self.certificate(configuration.resolve(path), owner: system.clientID)
                certificates[certificate.clientCertificateHash] = certificate
            }
            guard systems[system.clientID] == nil else {
                throw .configuration("system \(system.clientID) is listed twice")
            }
            systems[system.clientID] = SystemBinding(system: system, certificates: certificates)
        }
        self.keys = keys
        self.systems = systems
    }

    /// The binding of an active API-KEY.
    func binding(forAPIKey key: String) -> KeyBinding? {
        keys[key].flatMap { $0.apiKey.active ? $0 : nil }
    }

    /// The system with mnemonic `clientID`.
    func system(_ clientID: String) -> SystemBinding? {
        systems[clientID]
    }

    private static func certificate(_ path: String, owner: String) throws(StandError) -> GOSTCertificate {
        do {
            let certificate = try GOSTCertificate(contentsOfFile: path)
            try certificate.requireGOST()
            return certificate
        } catch {
            throw .keyMaterial("certificate registered for \(owner): \(error)")
        }
    }
}
