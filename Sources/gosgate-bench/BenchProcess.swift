import ArgumentParser
import Foundation

/// A child started with `posix_spawn` and an empty signal mask (the async runtime's threads block
/// SIGTERM, and a child would inherit that through Foundation's `Process`), stopped by PID.
final class BenchProcess {
    let pid: pid_t
    private var exited = false

    /// Starts a long-running child whose output goes to `log`; with `input`/`replies`, its standard
    /// input and output are those descriptors instead (a control channel) and only standard error is logged.
    init(_ executable: String, _ arguments: [String], log: String, input: Int32? = nil, replies: Int32? = nil) throws {
        pid = try Self.spawn(executable, arguments, output: log, input: input, replies: replies)
    }

    /// Runs to completion; throws unless it exits 0 (or `allowFailure`).
    static func run(_ executable: String, _ arguments: [String], allowFailure: Bool = false) throws {
        let pid = try spawn(executable, arguments, output: "/dev/null")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        if !allowFailure, status != 0 {
            throw ValidationError("\(executable) \(arguments.filter { !$0.allSatisfy(\.isNumber) }.joined(separator: " ")) exited with status \(status)")
        }
    }

    /// Runs to completion and returns its standard output.
    static func capture(_ executable: String, _ arguments: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pid = try spawn(executable, arguments, output: path)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    func stop() {
        guard !exited else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        exited = true
    }

    private static func spawn(_ executable: String, _ arguments: [String], output: String,
                              input: Int32? = nil, replies: Int32? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let replies {
            posix_spawn_file_actions_adddup2(&actions, replies, 1)
            posix_spawn_file_actions_addopen(&actions, 2, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw ValidationError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }
}
