/// `POST /v1/reload`: what a valid file changed (schema `reload.json`). An invalid file is refused
/// with `config_invalid` and changes nothing.
public struct ReloadReport: Codable, Sendable, Equatable {
    public let path: String
    /// What was applied without dropping connections.
    public let applied: [String]
    /// Settings that differ from the running ones and need `systemctl restart gosgate`.
    public let restartRequired: [String]
    /// Identities loaded after the reload.
    public let identities: Int
}
