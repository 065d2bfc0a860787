import Foundation

/// Everything a stand needs to run, as stored in `stand.json` by `gosgate-stand init`.
///
/// Relative file names are resolved against the directory that holds the configuration file, so a
/// stand directory can be moved or copied as a whole. Every settings group has defaults, so a
/// hand-written file only needs what differs.
public struct StandConfiguration: Codable, Sendable, Equatable {
    /// A name for the emulated environment; it appears in messages only.
    public var environment: String
    /// The `iss` claim of issued tokens. EPGU answers 401 to tokens with another issuer, which is how a
    /// token from another environment (real ESIA test, another stand) is recognised.
    public var issuer: String
    /// Where and how the stand listens.
    public var listener: StandListenerSettings
    /// How access tokens are signed and how long they live.
    public var tokens: StandTokenSettings
    /// Tolerances of the ESIA emulator.
    public var esia: StandESIASettings
    /// Rules and limits of the EPGU emulator.
    public var epgu: StandEPGUSettings
    /// Information systems (mnemonics) known to ESIA, with their registered certificates.
    public var systems: [StandSystem]
    /// Organisations with their API-KEYs and registered certificates.
    public var organisations: [StandOrganisation]
    /// SQLite file with orders, uploads and refresh tokens.
    public var databaseFile: String
    /// Directory for uploaded chunks, archives and result files.
    public var uploadsDirectory: String

    /// Where relative paths are resolved from; not stored in the file.
    public var baseDirectory: String = FileManager.default.currentDirectoryPath

    private enum CodingKeys: String, CodingKey {
        case environment, issuer, listener, tokens, esia, epgu, systems, organisations, databaseFile, uploadsDirectory
    }

    /// A configuration with defaults for everything but the registered parties.
    public init(environment: String = "stand", issuer: String = "http://esia-stand.localhost/",
                listener: StandListenerSettings = .init(), tokens: StandTokenSettings = .init(),
                esia: StandESIASettings = .init(), epgu: StandEPGUSettings = .init(),
                systems: [StandSystem] = [], organisations: [StandOrganisation] = [],
                databaseFile: String = "stand.sqlite", uploadsDirectory: String = "uploads",
                baseDirectory: String = FileManager.default.currentDirectoryPath) {
        self.environment = environment
        self.issuer = issuer
        self.listener = listener
        self.tokens = tokens
        self.esia = esia
        self.epgu = epgu
        self.systems = systems
        self.organisations = organisations
        self.databaseFile = databaseFile
        self.uploadsDirectory = uploadsDirectory
        self.baseDirectory = baseDirectory
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = StandConfiguration()
        environment = try container.decodeIfPresent(String.self, forKey: .environment) ?? defaults.environment
        issuer = try container.decodeIfPresent(String.self, forKey: .issuer) ?? defaults.issuer
        listener = try container.decodeIfPresent(StandListenerSettings.self, forKey: .listener) ?? defaults.listener
        tokens = try container.decodeIfPresent(StandTokenSettings.self, forKey: .tokens) ?? defaults.tokens
        esia = try container.decodeIfPresent(StandESIASettings.self, forKey: .esia) ?? defaults.esia
        epgu = try container.decodeIfPresent(StandEPGUSettings.self, forKey: .epgu) ?? defaults.epgu
        systems = try container.decodeIfPresent([StandSystem].self, forKey: .systems) ?? []
        organisations = try container.decodeIfPresent([StandOrganisation].self, forKey: .organisations) ?? []
        databaseFile = try container.decodeIfPresent(String.self, forKey: .databaseFile) ?? defaults.databaseFile
        uploadsDirectory = try container.decodeIfPresent(String.self, forKey: .uploadsDirectory) ?? defaults.uploadsDirectory
    }

    /// The file name `gosgate-stand init` writes and `serve --dir` reads.
    public static let fileName = "stand.json"

    /// Reads a configuration file; relative paths inside it are resolved against its directory.
    public static func load(from path: String) throws(StandError) -> StandConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .configuration("cannot read \(path): \(error.localizedDescription); run `gosgate-stand init DIR` first")
        }
        var configuration: StandConfiguration
        do {
            configuration = try JSONDecoder().decode(StandConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw .configuration("\(path) is not a valid stand configuration: \(Self.explain(error))")
        } catch {
            throw .configuration("\(path) is not a valid stand configuration: \(error)")
        }
        configuration.baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return configuration
    }

    /// Writes the configuration as pretty-printed JSON with sorted keys.
    public func write(to path: String) throws(StandError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// `path` itself when absolute, otherwise `path` inside `baseDirectory`.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
    }

    private static func explain(_ error: DecodingError) -> String {
        func place(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(place(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(place(context.codingPath)) has the wrong type (\(context.debugDescription))"
        case .dataCorrupted(let context): return "\(place(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
