/// Whether an ESIA or EPGU origin accepts TCP connections from the box right now.
public struct UpstreamReport: Codable, Sendable, Equatable {
    public let environment: String
    /// `esia` or `epgu`.
    public let service: String
    public let url: String
    public let reachable: Bool
    /// Time to connect, when it worked.
    public let milliseconds: Int?
    /// Why not, when it did not.
    public let error: String?
}
