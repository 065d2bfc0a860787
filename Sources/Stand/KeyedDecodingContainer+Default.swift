extension KeyedDecodingContainer {
    /// The value for `key`, or `fallback` when the key is absent (hand-written configuration files
    /// only name what differs from the defaults).
    func decode<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}
