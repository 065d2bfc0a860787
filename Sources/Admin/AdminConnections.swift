import NIOCore
import Synchronization

/// Every connection the admin listener accepted and has not yet closed.
///
/// A connection accepted while the listener shuts down may never reach the accept loop (it sits in
/// the listener's buffer, or its peer-credential read is still in flight), and an unconsumed child
/// channel stops reading, so it would never notice its peer leave. The server closes what is left
/// here when it stops, and anything registered after that is closed at once.
final class AdminConnections: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
    }

    private let state = Mutex(State())

    /// Tracks `channel` until it closes; closes it now if the server has already stopped.
    func register(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let admitted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.open[key] = channel
            return true
        }
        guard admitted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { _ = $0.open.removeValue(forKey: key) }
        }
    }

    /// Closes every tracked connection and refuses new ones.
    func closeAll() {
        let remaining = state.withLock { state -> [any Channel] in
            state.stopped = true
            defer { state.open.removeAll() }
            return Array(state.open.values)
        }
        for channel in remaining { channel.close(promise: nil) }
    }
}
