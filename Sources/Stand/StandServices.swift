import Foundation

/// Everything the routes share: the loaded configuration and the live state built from it.
struct StandServices: Sendable {
    let configuration: StandConfiguration
    let clock: StandClock
    let faults: FaultInjector
    let issuer: TokenIssuer
    let registry: ESIARegistry
    let database: StandDatabase
    let dictionaries: NSIDictionaries
    let rateLimiter: SystemRateLimiter

    /// Loads keys, certificates and dictionaries and opens the database.
    init(configuration: StandConfiguration, clock: StandClock = StandClock()) throws(StandError) {
        self.configuration = configuration
        self.clock = clock
        faults = FaultInjector()
        issuer = try TokenIssuer(settings: configuration.tokens, issuer: configuration.issuer, resolve: configuration.resolve)
        registry = try ESIARegistry(configuration: configuration)
        database = try StandDatabase(path: configuration.resolve(configuration.databaseFile),
                                     uploadsDirectory: configuration.resolve(configuration.uploadsDirectory))
        dictionaries = try NSIDictionaries(directory: configuration.resolve("dictionaries"))
        rateLimiter = SystemRateLimiter(limits: configuration.epgu.systemLimits,
                                        utcOffsetMinutes: configuration.epgu.utcOffsetMinutes)
    }

    var apiKeyExchange: APIKeyExchange {
        APIKeyExchange(registry: registry, issuer: issuer, settings: configuration.esia,
                       requiredScope: configuration.epgu.requiredScope)
    }

    var oauthExchange: OAuthTokenExchange {
        OAuthTokenExchange(registry: registry, issuer: issuer, database: database, settings: configuration.esia,
                           refreshLifetimeSeconds: configuration.tokens.refreshLifetimeSeconds)
    }

    var epgu: EPGUService {
        EPGUService(database: database, settings: configuration.epgu, clock: clock)
    }

    var bearerValidator: BearerValidator {
        BearerValidator(issuer: issuer, expectedIssuer: configuration.issuer,
                        requiredScope: configuration.epgu.requiredScope, faults: faults)
    }
}
