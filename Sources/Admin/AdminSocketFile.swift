#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The socket file on disk: a stale one (left by a crash) is removed, a live one is never touched,
/// and a new one gets its mode and group right after `bind()`.
enum AdminSocketFile {
    /// Makes `path` free to bind: nothing there, or a socket nobody accepts on (removed).
    static func clearStale(_ path: String) throws(AdminServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .cannotListen(path: path, reason: String(cString: strerror(errno)))
        }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFSOCK) else { throw .pathNotSocket(path: path) }
        switch probe(path) {
        case 0, EAGAIN:
            // EAGAIN: a listener whose backlog is full is still a listener.
            throw .socketInUse(path: path)
        case ECONNREFUSED:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw .cannotListen(path: path, reason: "cannot remove the stale socket: \(String(cString: strerror(errno)))")
            }
        case ENOENT:
            return
        case let code:
            throw .cannotListen(path: path, reason: "cannot tell whether the existing socket is stale: \(String(cString: strerror(code)))")
        }
    }

    /// Gives the freshly bound socket its mode and group.
    static func applyPermissions(_ settings: AdminSocketSettings, logger: Logger) throws(AdminServerError) {
        guard chmod(settings.path, settings.mode) == 0 else {
            throw .cannotListen(path: settings.path, reason: "chmod failed: \(String(cString: strerror(errno)))")
        }
        guard let group = settings.group else { return }
        guard let gid = AdminAccessPolicy.groupID(named: group) else {
            logger.warning("group \(group) does not exist; the admin socket \(settings.path) keeps the daemon's group")
            return
        }
        guard chown(settings.path, uid_t.max, gid) == 0 else {
            throw .cannotListen(path: settings.path,
                                reason: "cannot give it group \(group): \(String(cString: strerror(errno))) (the daemon's user must be a member of \(group))")
        }
    }

    /// 0 when something accepts on `path`, else the errno of `connect()`.
    private static func probe(_ path: String) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return ENAMETOOLONG }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return status == 0 ? 0 : errno
    }
}
