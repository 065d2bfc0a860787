import Foundation

/// How to re-run this test binary so that it executes one test only, for tests that need the
/// code under test to run in a child process set up by a system tool.
enum TestBinary {
    /// The command line: the binary followed by Swift Testing's filter for `testName`.
    static func invocation(runningOnly testName: String) -> [String] {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return [binary, "--testing-library", "swift-testing", "--filter", testName]
    }
}
