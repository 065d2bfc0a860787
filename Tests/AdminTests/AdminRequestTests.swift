import Admin
import Foundation
import Testing

/// How the admin API reads a request line: paths and queries are percent-decoded, so names in
/// Cyrillic survive `curl --unix-socket` and `gosgatectl` alike.
@Suite struct AdminRequestTests {
    let peer = PeerCredentials(uid: 1000, gid: 1000, pid: 42)

    @Test func decodesPathSegmentsAndQuery() {
        let request = AdminRequest(method: .GET, uri: "/v1/clients/%D0%B5%D1%80%D0%BF?limit=5&since=2025-01-31T09%3A00%3A00Z",
                                   body: Data(), peer: peer)
        #expect(request.segments == ["v1", "clients", "ерп"])
        #expect(request.query == ["limit": "5", "since": "2025-01-31T09:00:00Z"])
    }

    @Test func tiersAreOrdered() {
        #expect(AdminTier.viewer < .operator)
        #expect(AdminTier.operator < .admin)
        #expect(AdminTier.allCases.max() == .admin)
    }

    @Test func auditActorNamesThePeer() {
        #expect(peer.description == "uid=1000 gid=1000 pid=42")
    }
}
