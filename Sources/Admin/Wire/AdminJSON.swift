import Foundation

/// How the admin API spells JSON: snake_case keys, ISO 8601 dates, sorted keys (stable output for
/// people diffing it and for the published schemas in docs/schema/v1).
public enum AdminJSON {
    /// Version path prefix of every endpoint.
    public static let pathPrefix = "/v1"

    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
