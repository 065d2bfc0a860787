/// `GET /v1/peer`: who the daemon thinks is calling, and the tier that gives (schema `peer.json`).
public struct PeerReport: Codable, Sendable, Equatable {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32
    public let user: String?
    public let tier: AdminTier
}
