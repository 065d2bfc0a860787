import Foundation
import Testing

/// A journald instance of our own: `systemd-journald <namespace>` listens on
/// `/run/systemd/journal.<namespace>/socket` and `journalctl --namespace=` reads what it stored.
/// Needs root and the systemd package (`isAvailable`). Stopped by its PID, and its files
/// removed, when the test ends.
final class PrivateJournal: @unchecked Sendable {
    // @unchecked: fields are set in init and only read afterwards.

    static let journald = "/usr/lib/systemd/systemd-journald"
    static let journalctl = "/usr/bin/journalctl"

    let namespace: String
    let socketPath: String
    private let process: SpawnedProcess

    private init(namespace: String, process: SpawnedProcess) {
        self.namespace = namespace
        self.socketPath = "/run/systemd/journal.\(namespace)/socket"
        self.process = process
    }

    /// A private journald needs root (it creates /run/systemd/journal.<namespace>) and the
    /// systemd package; without them the fake-socket tests still cover the protocol.
    static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: journald)
            && FileManager.default.isExecutableFile(atPath: journalctl)
    }

    static func start() async throws -> PrivateJournal {
        let namespace = "gosgatetest" + String(UUID().uuidString.prefix(8)).lowercased()
        let process = try SpawnedProcess(journald, [namespace], environment: ["PATH": "/usr/bin:/bin"])
        let journal = PrivateJournal(namespace: namespace, process: process)
        for _ in 0..<400 {
            if FileManager.default.fileExists(atPath: journal.socketPath) { return journal }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        journal.stop()
        throw ListenerFailure("systemd-journald \(namespace) did not create \(journal.socketPath): \(process.output)")
    }

    /// The entries matching `match` as `journalctl -o json --all` prints them, waiting up to 10 s
    /// for `count` of them (journald writes asynchronously).
    func entries(matching match: String, count: Int) async throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        for _ in 0..<100 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.journalctl)
            process.arguments = ["--namespace=\(namespace)", "-o", "json", "--all", "--no-pager", match]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            found = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(100))
        }
        return found
    }

    func stop() {
        process.stop()
        let machineID = (try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        for path in ["/run/systemd/journal.\(namespace)", "/var/log/journal/\(machineID).\(namespace)",
                     "/run/log/journal/\(machineID).\(namespace)"] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
