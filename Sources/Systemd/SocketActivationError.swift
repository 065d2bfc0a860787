/// The sockets systemd passed cannot be used as they are.
public enum SocketActivationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `LISTEN_PID` or `LISTEN_FDS` is not a number.
    case invalidVariable(name: String, value: String)
    /// `LISTEN_FDNAMES` has a different number of names than `LISTEN_FDS` counts.
    case nameCountMismatch(descriptors: Int, names: Int)
    /// A descriptor `LISTEN_FDS` counts is not open in this process.
    case descriptorNotOpen(CInt)
    /// A passed socket of this name is not a listening stream socket.
    case notListeningStream(name: String, descriptor: CInt)

    public var description: String {
        switch self {
        case .invalidVariable(let name, let value):
            return "\(name)='\(value)' is not a valid number; start the service through its systemd units"
        case .nameCountMismatch(let descriptors, let names):
            return "systemd passed \(descriptors) sockets but \(names) names in LISTEN_FDNAMES; check FileDescriptorName= in the .socket units"
        case .descriptorNotOpen(let descriptor):
            return "LISTEN_FDS counts descriptor \(descriptor), but it is not open; start the service through its systemd units"
        case .notListeningStream(let name, let descriptor):
            return "socket '\(name)' (fd \(descriptor)) is not a listening stream socket; use ListenStream= without Accept=yes in its .socket unit"
        }
    }
}
