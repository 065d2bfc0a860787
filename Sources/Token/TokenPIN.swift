import Foundation
import Synchronization

/// A user PIN held in memory only: in one heap buffer that is zeroed on `wipe()` and on release,
/// never copied into logs, descriptions or errors.
///
/// Swift strings cannot be wiped, so the string initialiser is only for PINs that already arrived
/// as strings (the admin API); files and credentials are read straight into the buffer.
public final class TokenPIN: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The longest PIN accepted (PKCS#15 allows 32 for a Rutoken; some vendors allow 64).
    public static let maximumLength = 64

    private struct Storage: @unchecked Sendable {
        var bytes: UnsafeMutableRawBufferPointer
        var wiped: Bool
    }

    private let storage: Mutex<Storage>

    /// Copies `bytes` into a fresh buffer.
    /// - Throws: `.pinInvalid` when empty, longer than `maximumLength`, or containing control characters.
    public init<Bytes: Collection>(bytes: Bytes) throws(TokenError) where Bytes.Element == UInt8 {
        guard !bytes.isEmpty else { throw .pinInvalid("the PIN is empty") }
        guard bytes.count <= Self.maximumLength else {
            throw .pinInvalid("the PIN is longer than \(Self.maximumLength) characters")
        }
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw .pinInvalid("the PIN contains control characters (a stray newline or tab?)")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        buffer.copyBytes(from: bytes)
        storage = Mutex(Storage(bytes: buffer, wiped: false))
    }

    /// A PIN that arrived as a string (handed over at run time).
    public convenience init(_ pin: String) throws(TokenError) {
        try self.init(bytes: Array(pin.utf8))
    }

    /// Reads a PIN from a file (for example a systemd credential); one trailing newline is ignored.
    public convenience init(contentsOfFile path: String) throws(TokenError) {
        guard var contents = FileManager.default.contents(atPath: path) else {
            throw .configurationInvalid("cannot read the PIN file \(path): \(String(cString: strerror(errno)))")
        }
        defer { contents.resetBytes(in: contents.startIndex..<contents.endIndex) }
        var end = contents.endIndex
        if end > contents.startIndex, contents[end - 1] == 0x0A { end -= 1 }
        if end > contents.startIndex, contents[end - 1] == 0x0D { end -= 1 }
        try self.init(bytes: contents[contents.startIndex..<end])
    }

    /// The PIN from systemd's credential `name` (`LoadCredential=`/`SetCredentialEncrypted=`), read from
    /// `$CREDENTIALS_DIRECTORY/name`. Nil when the service has no such credential.
    public static func systemdCredential(named name: String,
                                         environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(TokenError) -> TokenPIN? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try TokenPIN(contentsOfFile: path)
    }

    deinit {
        storage.withLock { storage in
            Self.zero(storage.bytes)
            storage.bytes.deallocate()
        }
    }

    /// Number of bytes; 0 once wiped.
    public var count: Int {
        storage.withLock { $0.wiped ? 0 : $0.bytes.count }
    }

    public var isWiped: Bool { storage.withLock { $0.wiped } }

    /// Zeroes the buffer; the PIN is gone for good.
    public func wipe() {
        storage.withLock { storage in
            Self.zero(storage.bytes)
            storage.wiped = true
        }
    }

    /// Lends the PIN bytes to `body` (to hand them to C_Login or a VERIFY APDU); do not keep them.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(TokenError) -> R) throws(TokenError) -> R {
        let (bytes, wiped) = storage.withLock { (UnsafeRawBufferPointer($0.bytes), $0.wiped) }
        guard !wiped else { throw .pinRequired }
        return try body(bytes)
    }

    public var description: String { "<PIN withheld>" }

    public var debugDescription: String { "<PIN withheld>" }

    private static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        // explicit_bzero is not optimised away, unlike a plain store loop before deallocation.
        explicit_bzero(base, buffer.count)
    }
}
