import Foundation

/// This test binary and the executables `swift build --build-tests` puts beside it.
enum TestBinary {
    struct MissingProduct: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is not built; run `swift build --build-tests` before the tests" }
    }

    /// The command line: the binary followed by Swift Testing's filter for `testName`, for tests
    /// that need the code under test to run in a child process set up by a system tool.
    static func invocation(runningOnly testName: String) -> [String] {
        [executable.path, "--testing-library", "swift-testing", "--filter", testName]
    }

    /// The built product `name` (gosgated, gosgatectl) in the same build directory.
    static func product(_ name: String) throws -> String {
        let path = executable.deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw MissingProduct(path: path) }
        return path
    }

    private static var executable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }
}
