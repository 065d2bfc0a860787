import Foundation
import NIOCore
import Store

/// What an authenticated internal client may do, decoded once from its stored row.
struct ClientPolicy: Sendable {
    let name: String
    let routes: Set<String>
    let defaultIdentity: String?
    let otherIdentities: Set<String>
    let addressBlocks: [AddressBlock]
    /// Calls per minute this client may make, when limited.
    let ratePerMinute: Int?

    init(client: InternalClient, defaultIdentity: String?) {
        name = client.name
        routes = Set(Self.strings(client.allowedRoutes))
        self.defaultIdentity = defaultIdentity
        otherIdentities = Set(Self.strings(client.allowedIdentities))
        addressBlocks = Self.strings(client.ipAllow).compactMap(AddressBlock.init)
        ratePerMinute = client.ratePerMinute
    }

    func allows(route: String) -> Bool { routes.contains("*") || routes.contains(route) }

    /// The identity to act as: the requested one if allowed, else the default.
    func identity(requested: String?) throws(LocalAnswer) -> String {
        guard let requested else {
            guard let defaultIdentity else { throw .noIdentity }
            return defaultIdentity
        }
        guard requested == defaultIdentity || otherIdentities.contains(requested) else {
            throw .forbiddenIdentity(requested)
        }
        return requested
    }

    func allows(address: SocketAddress?) -> Bool {
        guard !addressBlocks.isEmpty else { return true }
        guard let address else { return false }  // Unix-socket peers have no IP to match
        return addressBlocks.contains { $0.contains(address) }
    }

    private static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}

/// A CIDR block such as `10.1.2.0/24` or `fd00::/8`.
struct AddressBlock: Sendable {
    let network: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let address = try? SocketAddress(ipAddress: String(parts[0]), port: 0), let bytes = Self.bytes(address) else {
            return nil
        }
        let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { return nil }
        network = bytes
        self.prefix = prefix
    }

    func contains(_ address: SocketAddress) -> Bool {
        guard let bytes = Self.bytes(address), bytes.count == network.count else { return false }
        for bit in 0..<prefix {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if bytes[bit / 8] & mask != network[bit / 8] & mask { return false }
        }
        return true
    }

    private static func bytes(_ address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr.s_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}
