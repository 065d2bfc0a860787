import Foundation

/// A child process started with `posix_spawn` and reaped with `waitpid`, for tools that close
/// every inherited descriptor (`systemd-socket-activate`, `systemd-journald`). Foundation's
/// `Process` watches children through a descriptor the child inherits; when the child closes it,
/// Foundation blocks in `waitpid` for a process that is still running and every other `Process`
/// in the test binary hangs with it.
final class SpawnedProcess: @unchecked Sendable {
    // @unchecked: `pid` never changes; `status` is only touched under `lock`.

    let pid: pid_t
    let outputPath: String
    private let lock = NSLock()
    private var status: CInt?

    /// Starts `executable` with `arguments` and `environment`; stdout and stderr go to a file.
    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-spawn-\(UUID().uuidString).log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Worker threads block most signals and a spawned child inherits that mask; start it with
        // none blocked and default handlers, so that SIGTERM stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ListenerFailure("posix_spawn \(executable): errno \(result)") }
        pid = child
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    /// True until the child has exited and been reaped.
    var isRunning: Bool {
        lock.withLock {
            guard status == nil else { return false }
            var raw: CInt = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
            return status == nil
        }
    }

    /// What the child printed.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits without blocking a thread until the child exits, up to `timeout`.
    func waitForExit(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGTERM, then SIGKILL after two seconds, by PID; reaps the child.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<200 where isRunning { usleep(10_000) }
        if isRunning { kill(pid, SIGKILL) }
        lock.withLock {
            guard status == nil else { return }
            var raw: CInt = 0
            waitpid(pid, &raw, 0)
            status = raw
        }
    }
}
