/// What a caller on the admin socket may do, from its peer credentials.
///
/// Tiers only ever take privilege away from what the socket's file mode already grants: anyone who
/// can connect reads; operators also act on the token, rotate client keys and reload; admins do
/// everything, including adding and removing identities and clients.
public enum AdminTier: String, Sendable, Codable, Comparable, CaseIterable, CustomStringConvertible {
    /// Read-only: status, lists, audit.
    case viewer
    /// Token login/logout, identity test, client rotate, reload.
    case `operator`
    /// Everything, including identity and client add/remove/revoke.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: return 0
        case .operator: return 1
        case .admin: return 2
        }
    }

    public static func < (lhs: AdminTier, rhs: AdminTier) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }
}
