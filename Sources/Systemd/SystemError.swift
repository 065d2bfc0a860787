#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which one and its `errno`, rendered with `strerror`.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed, such as `sendto`.
    public let call: String
    /// Its `errno`.
    public let code: CInt

    public init(call: String, code: CInt) {
        self.call = call
        self.code = code
    }

    public var description: String {
        "\(call): \(String(cString: strerror(code))) (errno \(code))"
    }
}
