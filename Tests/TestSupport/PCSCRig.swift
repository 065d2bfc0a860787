import Foundation

/// The hardware-free token rig: `pcscd --foreground` with Debian's `vsmartcard-vpcd` reader driver,
/// and the built `gosgate-vcard` (a virtual Rutoken ECP) plugged into it
/// (research/gost-token.md §5, DESIGN.md "Test rig").
///
/// vpcd listens on one fixed port, so only one rig can exist at a time: `PCSCRig.run` serialises
/// every user in this process. If a pcscd is already running (a system one), the rig uses it and
/// never stops it; otherwise it starts its own with a private reader configuration and stops it, and
/// the virtual card, by PID when the body ends, even if it throws.
public final class PCSCRig: @unchecked Sendable {
    // @unchecked: mutable state (the two processes) is only touched by the one test holding the rig.

    /// Options for the virtual card.
    public struct CardOptions: Sendable {
        public var pin: String
        public var retries: Int
        public var serial: String
        public var label: String
        public var keyID: String
        public var locked: Bool
        public var signDelayMilliseconds: Int
        /// The key and certificate the card holds (e.g. a stand's registered signer); nil makes a
        /// fresh self-signed pair with the `openssl` CLI.
        public var keyPair: GOSTFixtures.KeyPair?

        public init(pin: String = "48151623", retries: Int = 5, serial: String = "0a1b2c3d",
                    label: String = "gosgate rig token", keyID: String = "01", locked: Bool = false,
                    signDelayMilliseconds: Int = 0, keyPair: GOSTFixtures.KeyPair? = nil) {
            self.pin = pin
            self.retries = retries
            self.serial = serial
            self.label = label
            self.keyID = keyID
            self.locked = locked
            self.signDelayMilliseconds = signDelayMilliseconds
            self.keyPair = keyPair
        }
    }

    /// What `gosgate-vcard`'s `status` command reports.
    public struct CardStatus: Decodable, Sendable {
        public let inserted: Bool
        public let connected: Bool
        public let pinVerified: Bool
        public let retriesLeft: Int
        public let maximumRetries: Int
        public let locked: Bool
        public let signatures: Int
        public let signDelayMilliseconds: Int
    }

    /// The first vpcd reader, where the virtual card sits.
    public static let readerName = "Virtual PCD 00 00"
    public static let vpcdPort = 35963
    /// OpenSC's PKCS#11 module, as Debian's `opensc-pkcs11` installs it.
    public static let openSCModule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    public let directory: TemporaryDirectory
    /// Key and certificate the card signs with: `options.keyPair`, or a pair made by the `openssl` CLI.
    public let keyPair: GOSTFixtures.KeyPair
    public let options: CardOptions
    /// True when this rig started pcscd (and may restart it).
    public let ownsPCSCD: Bool

    private var pcscd: SpawnedProcess?
    private var card: SpawnedProcess?
    private var cardInput: FileHandle?
    private var cardReplies: FileHandle?
    private let pcscdLog: String
    private let cardLog: String

    private static let lock = RigLock()

    /// Starts a rig, waits until the card is visible to pcscd, runs `body`, and stops everything.
    public static func run<T: Sendable>(_ options: CardOptions = CardOptions(),
                                        _ body: (PCSCRig) async throws -> T) async throws -> T {
        await lock.acquire()
        let outcome: Result<T, any Error>
        // Another test process (a parallel `swift test`, CI) may want the one vpcd port too.
        let machineLock: Int32
        do {
            machineLock = try await acquireMachineLock()
        } catch {
            await lock.release()
            throw error
        }
        do {
            let rig = try PCSCRig(options: options)
            do {
                try rig.startPCSCDIfNeeded()
                try rig.startCard()
                try await rig.waitForCard(present: true)
                outcome = .success(try await body(rig))
            } catch {
                outcome = .failure(error)
            }
            rig.stop()
        } catch {
            outcome = .failure(error)
        }
        close(machineLock)
        await lock.release()
        return try outcome.get()
    }

    /// Path of the lock file that serialises rigs across processes on this machine.
    public static let machineLockPath = "/tmp/gosgate-pcsc-rig.lock"

    /// Takes an exclusive `flock` on `machineLockPath`, waiting (without blocking a thread) while
    /// another process holds it. The kernel drops the lock if that process dies.
    private static func acquireMachineLock() async throws -> Int32 {
        let descriptor = open(machineLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw PeerFailure("cannot open \(machineLockPath): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(descriptor)
                throw PeerFailure("cannot lock \(machineLockPath): \(String(cString: strerror(errno)))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return descriptor
    }

    private init(options: CardOptions) throws {
        let needed = ["/usr/sbin/pcscd": "pcscd", "/usr/lib/pcsc/drivers/serial/libifdvpcd.so": "vsmartcard-vpcd",
                      "/usr/bin/opensc-tool": "opensc", Self.openSCModule: "opensc-pkcs11"]
        let missing = needed.filter { !FileManager.default.fileExists(atPath: $0.key) }.values.sorted()
        guard missing.isEmpty else {
            throw PeerFailure("the token rig needs Debian packages \(missing.joined(separator: ", ")): apt-get install \(missing.joined(separator: " "))")
        }
        self.options = options
        directory = try TemporaryDirectory(prefix: "gosgate-rig")
        keyPair = try options.keyPair
            ?? GOSTFixtures.selfSigned(in: directory, name: "token", subject: "/CN=gosgate rig token/O=Test Org")
        pcscdLog = directory.path("pcscd.log")
        cardLog = directory.path("vcard.log")
        ownsPCSCD = !Self.systemPCSCDIsRunning()
        try Data((options.pin + "\n").utf8).write(to: URL(fileURLWithPath: directory.path("pin")))
    }

    /// The certificate in PEM, as the `openssl` CLI wrote it.
    public var certificatePath: String { keyPair.certificatePath }

    /// Everything pcscd and the virtual card printed so far.
    public var capturedLogs: String {
        [pcscdLog, cardLog].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// Only the virtual card's log (one line per APDU; VERIFY lines never contain the PIN).
    public var cardLogText: String {
        (try? String(contentsOfFile: cardLog, encoding: .utf8)) ?? ""
    }

    // MARK: controlling the card

    /// Sends one control command to the virtual card and returns its reply line.
    @discardableResult
    public func control(_ command: String) throws -> String {
        guard let cardInput, let cardReplies else { throw PeerFailure("the virtual card is not running") }
        cardInput.write(Data((command + "\n").utf8))
        var reply = Data()
        while true {
            let chunk = cardReplies.availableData
            guard !chunk.isEmpty else { throw PeerFailure("the virtual card exited: \(cardLogText)") }
            reply.append(chunk)
            if reply.last == 0x0A { break }
        }
        let line = String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("error") { throw PeerFailure("gosgate-vcard: \(line)") }
        return line
    }

    /// PIN-carrying VERIFY commands that reached the card, by its own log: accepted and wrong ones
    /// (an empty VERIFY that only reads the retry counter is neither).
    public var pinVerifications: (accepted: Int, wrong: Int) {
        let log = cardLogText
        return (log.components(separatedBy: "VERIFY: PIN accepted").count - 1,
                log.components(separatedBy: "VERIFY: wrong PIN").count - 1)
    }

    /// The card's own view: PIN retries, verification state, signatures made.
    public func cardStatus() throws -> CardStatus {
        try JSONDecoder().decode(CardStatus.self, from: Data(control("status").utf8))
    }

    /// Pulls the card and waits until pcscd reports it gone.
    public func removeCard() async throws {
        try control("remove")
        try await waitForCard(present: false)
    }

    /// Puts the card back and waits until pcscd reports it present.
    public func insertCard() async throws {
        try control("insert")
        try await waitForCard(present: true)
    }

    /// Waits until `opensc-tool -l` (an independent PC/SC client) shows the card present or absent.
    public func waitForCard(present: Bool, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = try Self.runPeer("/usr/bin/opensc-tool", ["-l"]).output
            let line = last.split(separator: "\n").first { $0.contains(Self.readerName) } ?? ""
            if line.contains("Yes") == present, !line.isEmpty || !present { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw PeerFailure("the card did not become \(present ? "present" : "absent") in \(timeout): \(last)\n\(capturedLogs)")
    }

    // MARK: pcscd

    /// Stops this rig's pcscd and starts a new one; the virtual card reconnects by itself.
    public func restartPCSCD() async throws {
        guard ownsPCSCD else { throw PeerFailure("a system pcscd is running; the rig will not restart it") }
        pcscd?.stop()
        pcscd = nil
        try startPCSCDIfNeeded()
        try await waitForCard(present: true)
    }

    private static func systemPCSCDIsRunning() -> Bool {
        guard let text = try? String(contentsOfFile: "/run/pcscd/pcscd.pid", encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
        return kill(pid, 0) == 0
    }

    private func startPCSCDIfNeeded() throws {
        guard ownsPCSCD else { return }
        // A private reader configuration with just the vpcd reader, so the host's own readers stay out.
        let configuration = directory.path("reader.conf.d")
        try FileManager.default.createDirectory(atPath: configuration, withIntermediateDirectories: true)
        try """
            FRIENDLYNAME "Virtual PCD"
            DEVICENAME   /dev/null:\(Self.vpcdPort)
            LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
            CHANNELID    \(Self.vpcdPort)

            """.write(toFile: configuration + "/vpcd", atomically: true, encoding: .utf8)
        let log = try appendingHandle(pcscdLog)
        defer { try? log.close() }
        let process = try SpawnedProcess("/usr/sbin/pcscd", ["--foreground", "--config", configuration],
                                         output: log.fileDescriptor)
        pcscd = process
        let deadline = Date().addingTimeInterval(10)
        // pcscd writes its PID file once it listens; a stale one from a killed pcscd holds another PID.
        while (try? String(contentsOfFile: "/run/pcscd/pcscd.pid", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters)) != "\(process.pid)" {
            guard process.isRunning, Date() < deadline else {
                throw PeerFailure("pcscd did not start: \(capturedLogs)")
            }
            usleep(20_000)
        }
    }

    // MARK: the virtual card

    private func startCard() throws {
        let executable = try BuiltProducts.path("gosgate-vcard")
        var arguments = ["--key", keyPair.keyPath, "--cert", keyPair.certificatePath,
                         "--pin-file", directory.path("pin"), "--retries", "\(options.retries)",
                         "--serial", options.serial, "--label", options.label, "--key-id", options.keyID,
                         "--sign-delay", "\(options.signDelayMilliseconds)", "--port", "\(Self.vpcdPort)"]
        if options.locked { arguments.append("--locked") }
        let input = Pipe(), replies = Pipe()
        let log = try appendingHandle(cardLog)
        defer { try? log.close() }
        card = try SpawnedProcess(executable, arguments, input: input.fileHandleForReading.fileDescriptor,
                                  output: replies.fileHandleForWriting.fileDescriptor, error: log.fileDescriptor)
        try input.fileHandleForReading.close()
        try replies.fileHandleForWriting.close()
        cardInput = input.fileHandleForWriting
        cardReplies = replies.fileHandleForReading
    }

    private func stop() {
        try? cardInput?.close()
        cardInput = nil
        card?.stop()
        card = nil
        pcscd?.stop()
        pcscd = nil
        try? cardReplies?.close()
        cardReplies = nil
        directory.remove()
    }

    private func appendingHandle(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        return handle
    }

    // MARK: peers

    /// Result of one peer command.
    public struct PeerOutput: Sendable {
        public let status: Int32
        /// stdout and stderr together.
        public let output: String
    }

    /// Runs an independent peer (opensc-tool, pkcs11-tool, pkcs15-tool) to completion.
    @discardableResult
    public static func runPeer(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> PeerOutput {
        let peer = try PeerProcess.startClient(executable, arguments: arguments)
        let status = peer.waitForExit(timeout: timeout)
        return PeerOutput(status: status, output: peer.output)
    }
}

/// A child process started with `posix_spawn` and a clean signal mask.
///
/// Foundation's `Process` passes on the spawning thread's signal mask, and test threads block
/// SIGTERM, so children started that way ignore a polite stop and have to be killed. pcscd must
/// get SIGTERM to remove its socket and PID file, so the rig spawns its children itself.
final class SpawnedProcess: @unchecked Sendable {
    let pid: pid_t
    private var exited = false

    /// Starts `executable` with `arguments`; stdin/stdout/stderr become the given descriptors
    /// (stdin defaults to /dev/null, stderr to stdout).
    init(_ executable: String, _ arguments: [String], input: Int32? = nil, output: Int32, error: Int32? = nil,
         environment: [String: String] = OpenSSLCLI.environment) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, error ?? output, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw PeerFailure("cannot start \(executable): \(String(cString: strerror(rc)))") }
        pid = child
    }

    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// SIGTERM by PID, SIGKILL after five seconds, and reaps the child.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while isRunning, Date() < deadline { usleep(10_000) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exited = true
        }
    }

    deinit { stop() }
}

/// An async lock, first come first served: one rig at a time in this process.
actor RigLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
