import COpenSSL
import Foundation

/// Client sessions kept for resumption, one per origin key (`host:port` plus server name).
///
/// A repeated connection to the same origin offers the last session it got there, which saves the
/// key exchange (and, for GOST, two slow signature operations).
final class TLSSessionCache: @unchecked Sendable {
    // @unchecked: every access to `sessions` holds `lock`; the SSL_SESSION objects are reference
    // counted by OpenSSL and each stored pointer owns one reference.
    private let lock = NSLock()
    private var sessions: [String: OpaquePointer] = [:]

    deinit {
        for session in sessions.values { SSL_SESSION_free(session) }
    }

    /// Stores `session` for `key`, taking over the caller's reference; the previous one is released.
    func store(_ session: OpaquePointer, for key: String) {
        let previous = lock.withLock { () -> OpaquePointer? in
            let old = sessions[key]
            sessions[key] = session
            return old
        }
        if let previous { SSL_SESSION_free(previous) }
    }

    /// Offers the cached session for `key` on `ssl`, if there is a resumable one.
    func offer(for key: String, on ssl: OpaquePointer) {
        lock.withLock {
            guard let session = sessions[key] else { return }
            if SSL_SESSION_is_resumable(session) == 1 {
                // SSL_set_session takes its own reference.
                _ = SSL_set_session(ssl, session)
            } else {
                sessions[key] = nil
                SSL_SESSION_free(session)
            }
        }
    }

    /// Forgets the session for `key` (after a failed handshake with it).
    func remove(for key: String) {
        let removed = lock.withLock { sessions.removeValue(forKey: key) }
        if let removed { SSL_SESSION_free(removed) }
    }

    /// How many origins have a cached session.
    var count: Int { lock.withLock { sessions.count } }
}
