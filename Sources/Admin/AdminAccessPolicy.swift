#if canImport(Glibc)
import Glibc
#endif

/// Maps a caller's peer credentials to a tier: root and members of the admin group are admins,
/// members of the operator group are operators, anyone else who could connect is a viewer.
///
/// Membership is the caller's primary group from `SO_PEERCRED` plus the supplementary groups the
/// group database gives its user, looked up at every connection so that `gpasswd -d` takes effect
/// without a restart. Both groups are optional: a group that does not exist grants nothing.
public struct AdminAccessPolicy: Sendable, Equatable {
    /// The group whose members are admins (`gosgate-admin` on an installed box).
    public var adminGroup: String
    /// The group whose members are operators (`admin.operator_group`, `gosgate-operator` by default).
    public var operatorGroup: String

    public init(adminGroup: String = "gosgate-admin", operatorGroup: String = "gosgate-operator") {
        self.adminGroup = adminGroup
        self.operatorGroup = operatorGroup
    }

    /// The tier of `peer`.
    public func tier(of peer: PeerCredentials) -> AdminTier {
        if peer.uid == 0 { return .admin }
        let groups = Self.groups(of: peer)
        if let admin = Self.groupID(named: adminGroup), groups.contains(admin) { return .admin }
        if let operators = Self.groupID(named: operatorGroup), groups.contains(operators) { return .operator }
        return .viewer
    }

    /// The user name of `uid`, when the user database knows it.
    public static func userName(of uid: UInt32) -> String? {
        passwordEntry(uid).map(\.name)
    }

    /// The peer's primary group and every group the database lists for its user.
    static func groups(of peer: PeerCredentials) -> Set<UInt32> {
        var groups: Set<UInt32> = [peer.gid]
        guard let entry = passwordEntry(peer.uid) else { return groups }
        var count: Int32 = 64
        while true {
            var list = [gid_t](repeating: 0, count: Int(count))
            var found = count
            if getgrouplist(entry.name, entry.gid, &list, &found) >= 0 {
                groups.formUnion(list.prefix(Int(found)))
                return groups
            }
            // -1: the list was too short; `found` now holds the size needed.
            guard found > count else { return groups }
            count = found
        }
    }

    static func groupID(named name: String) -> UInt32? {
        guard !name.isEmpty else { return nil }
        return withLookupBuffer { buffer in
            var group = Glibc.group()
            var result: UnsafeMutablePointer<Glibc.group>?
            let status = getgrnam_r(name, &group, buffer.baseAddress!, buffer.count, &result)
            guard status == 0 else { return .retry(status) }
            return .done(result == nil ? nil : group.gr_gid)
        }
    }

    private static func passwordEntry(_ uid: UInt32) -> (name: String, gid: UInt32)? {
        withLookupBuffer { buffer in
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let status = getpwuid_r(uid, &entry, buffer.baseAddress!, buffer.count, &result)
            guard status == 0 else { return .retry(status) }
            // pw_name points into `buffer`: copy it out while the buffer lives.
            guard result != nil, let name = entry.pw_name else { return .done(nil) }
            return .done((String(cString: name), entry.pw_gid))
        }
    }

    private enum Lookup<Value> {
        case done(Value?)
        case retry(Int32)
    }

    /// Runs a reentrant `get*_r` lookup with a buffer that grows while the call answers ERANGE.
    private static func withLookupBuffer<Value>(_ body: (UnsafeMutableBufferPointer<CChar>) -> Lookup<Value>) -> Value? {
        var size = 4096
        while size <= 1 << 20 {
            let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            switch body(buffer) {
            case .done(let value): return value
            case .retry(let status) where status == ERANGE: size *= 4
            case .retry: return nil
            }
        }
        return nil
    }
}
