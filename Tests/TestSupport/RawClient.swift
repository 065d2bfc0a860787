import Foundation

/// A client that types HTTP by hand with pauses (Python's socket module), for what curl will not do:
/// stall, stop mid-body, hang up.
public enum RawClient {
    public enum Step: Encodable, Sendable {
        case send(String)
        case sleep(Double)
        case close
        /// Reads until the server closes (at most 15 s).
        case readToEnd

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            switch self {
            case .send(let text): try container.encode("send"); try container.encode(text)
            case .sleep(let seconds): try container.encode("sleep"); try container.encode(seconds)
            case .close: try container.encode("close")
            case .readToEnd: try container.encode("read")
            }
        }
    }

    public struct Result: Sendable {
        /// Everything the server sent.
        public let response: String
        /// Seconds from connecting until the read ended.
        public let seconds: Double
    }

    /// Connects to 127.0.0.1:`port` and runs `steps`.
    public static func exchange(port: Int, steps: [Step]) async throws -> Result {
        let plan = String(decoding: try JSONEncoder().encode(steps), as: UTF8.self)
        let run = try await ChildProcess.run("/usr/bin/python3", ["-c", script, String(port), plan], timeout: 60)
        guard run.status == 0 else { throw CLIFailure(command: "raw client", status: run.status, stderr: run.stderr) }
        let output = run.stdoutText
        guard let newline = output.firstIndex(of: "\n"), let seconds = Double(output[..<newline]) else {
            throw CLIFailure(command: "raw client", status: run.status, stderr: "unexpected output: \(output)")
        }
        return Result(response: String(output[output.index(after: newline)...]), seconds: seconds)
    }

    private static let script = #"""
import json, socket, sys, time
port, plan = int(sys.argv[1]), json.loads(sys.argv[2])
sock = socket.create_connection(("127.0.0.1", port))
started = time.monotonic()
received = b""
for step in plan:
    if step[0] == "send":
        try: sock.sendall(step[1].encode())
        except OSError: pass
    elif step[0] == "sleep": time.sleep(step[1])
    elif step[0] == "close": sock.close(); break
    elif step[0] == "read":
        sock.settimeout(15)
        try:
            while True:
                data = sock.recv(65536)
                if not data: break
                received += data
        except (socket.timeout, ConnectionResetError): pass
print("%.3f" % (time.monotonic() - started))
sys.stdout.write(received.decode("latin-1"))
"""#
}
