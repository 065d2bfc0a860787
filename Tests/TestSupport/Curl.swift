import Foundation

/// `curl` as an HTTP client nobody here wrote. With `OpenSSLCLI.environment` (the default) Debian's
/// curl, built on OpenSSL 3, loads the GOST engine and speaks GOST TLS when asked for its suites.
public enum Curl {
    /// One HTTP exchange as curl saw it.
    public struct Reply: Sendable {
        /// curl's exit status (0, or e.g. 52 for an empty reply, 35 for a TLS failure).
        public let exitCode: Int32
        /// HTTP status (0 when there was no answer).
        public let status: Int
        /// Response headers of the final answer, names lowercased.
        public let headers: [String: String]
        public let body: Data
        public let stderr: String

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object, if it is one.
        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        }
    }

    /// Runs `curl -sS ARGS`, capturing status, headers and body.
    public static func run(_ arguments: [String], timeout: TimeInterval = 60) async throws -> Reply {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gosgate-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bodyPath = scratch.appendingPathComponent("body").path
        let headerPath = scratch.appendingPathComponent("headers").path
        let result = try await ChildProcess.run("/usr/bin/curl", [
            "-sS", "--max-time", "\(Int(timeout))", "-o", bodyPath, "-D", headerPath, "-w", "%{http_code}",
        ] + arguments, timeout: timeout + 10)
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        // Only the last header block counts (a 100 Continue may come first).
        for block in headerText.components(separatedBy: "\r\n\r\n").reversed() where !block.isEmpty {
            for line in block.components(separatedBy: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            break
        }
        return Reply(exitCode: result.status, status: Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0,
                     headers: headers, body: (try? Data(contentsOf: URL(fileURLWithPath: bodyPath))) ?? Data(),
                     stderr: result.stderr)
    }
}
