import Foundation

/// Executables built by `swift build` next to the test bundle (or where `swift build
/// --show-bin-path` says), for end-to-end runs.
public enum BuiltProducts {
    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "\(name) is not built; run `swift build` before the tests" }
    }

    /// The executable `name` (gosgated, gosgatectl, gosgate-stand…) from this build.
    public static func path(_ name: String) throws -> String {
        if let directory = directory {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing(name: name)
    }

    private static let directory: String? = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().path
        if FileManager.default.isExecutableFile(atPath: beside + "/gosgatectl") { return beside }
        var root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root = root.deletingLastPathComponent()
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["swift", "build", "--show-bin-path"]
        probe.currentDirectoryURL = root
        let pipe = Pipe()
        probe.standardOutput = pipe
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }()
}
