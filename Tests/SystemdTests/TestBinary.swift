import Foundation

/// This test binary, for tests that run part of themselves in a child process.
enum TestBinary {
    /// The command line: the binary followed by Swift Testing's filter for `testName`, for tests
    /// that need the code under test to run in a child process set up by a system tool.
    static func invocation(runningOnly testName: String) -> [String] {
        [executable.path, "--testing-library", "swift-testing", "--filter", testName]
    }

    private static var executable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }
}
