import Foundation
import TestSupport
import Testing

/// Runs the system `sqlite3` CLI (a peer nobody here wrote) against a database file and returns its
/// trimmed output. Many may start at once: each waits for SQLite's locks instead of failing.
func sqlite(_ path: String, _ sql: String) async throws -> String {
    let result = try await ChildProcess.run("/usr/bin/sqlite3", ["-cmd", ".timeout 5000", path, sql])
    try #require(result.status == 0, "sqlite3: \(result.stderr)")
    return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
}
