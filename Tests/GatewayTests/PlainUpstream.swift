import Foundation
import TestSupport

/// A plain-HTTP ESIA + EPGU stand-in written on Python's standard-library `http.server`, so the
/// gateway's HTTP behaviour is judged by a server we did not write the HTTP stack of.
///
/// - ESIA: `GET /esia-rs/api/public/v1/orgs/ext-app/{key}/tkn` issues an (unsigned) JWT whose `n`
///   claim counts the tokens issued; `/__control/esia-down` makes it answer 503.
/// - EPGU: every other path echoes the method, path, headers and body digest as JSON; it answers 401
///   to tokens listed in `/__control/reject-token/{n}`, and 429 with `Retry-After: 1` while
///   `/__control/throttle/{count}` has calls left.
/// - `/__control/log` returns every request it saw (method, path, headers).
final class PlainUpstream {
    let port: Int
    private let process: Process
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "gosgate-upstream")
        let script = directory.path("upstream.py")
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        let portFile = directory.path("port")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var found: Int?
        for _ in 0..<100 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let value = Int(text) {
                found = value
                break
            }
            usleep(50_000)
        }
        guard let found else {
            process.terminate()
            throw CLIFailure(command: "python3 upstream.py", status: -1, stderr: "did not report its port")
        }
        port = found
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Calls a control endpoint.
    @discardableResult
    func control(_ path: String) async throws -> Data {
        try await Curl.run(["http://127.0.0.1:\(port)/__control/\(path)"], timeout: 10).body
    }

    /// Every request the upstream saw, oldest first.
    func log() async throws -> [[String: Any]] {
        (try JSONSerialization.jsonObject(with: await control("log")) as? [[String: Any]]) ?? []
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: children spawned from a Swift process may inherit a mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        directory.remove()
    }

    private static let script = #"""
import base64, hashlib, json, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

state = {"issued": 0, "rejected": set(), "throttle": 0, "esia_down": False, "log": []}
lock = threading.Lock()

def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass

    def reply(self, status, obj, extra=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "keep-alive")
        for name, value in extra: self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline(); break
                body += self.rfile.read(size); self.rfile.readline()
        elif length:
            body = self.rfile.read(length)
        path = self.path
        if path.startswith("/__control/"):
            parts = path.split("/")[2:]
            with lock:
                if parts[0] == "log": return self.reply(200, state["log"])
                if parts[0] == "reject-token": state["rejected"].add(int(parts[1]))
                if parts[0] == "throttle": state["throttle"] = int(parts[1])
                if parts[0] == "esia-down": state["esia_down"] = parts[1] == "1"
            return self.reply(200, {"ok": True})
        with lock:
            state["log"].append({"method": self.command, "path": path,
                                 "headers": [[k, v] for k, v in self.headers.items()],
                                 "sha256": hashlib.sha256(body).hexdigest(), "length": len(body)})
        if path.startswith("/esia-rs/"):
            with lock:
                if state["esia_down"]: return self.reply(503, {"code": "down"})
                state["issued"] += 1
                n = state["issued"]
            jwt = b64({"alg": "GOST3410_2012_256", "typ": "JWT"}) + "." + \
                  b64({"exp": int(time.time()) + 3600, "iat": int(time.time()), "n": n, "client_id": "TEST"}) + ".c2ln"
            return self.reply(200, {"accessTkn": jwt})
        auth = self.headers.get("Authorization", "")
        n = None
        if auth.startswith("Bearer "):
            try:
                payload = auth[7:].split(".")[1]
                n = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["n"]
            except Exception:
                n = None
        with lock:
            if n is not None and n in state["rejected"]:
                return self.reply(401, {"code": "unauthorized", "message": "token rejected"})
            if state["throttle"] > 0:
                state["throttle"] -= 1
                return self.reply(429, {"code": "limitation_exception", "message": "slow down"}, [("Retry-After", "1")])
        extra = {}
        if path.startswith("/api/gusmev/order") and self.command == "POST" and path.rstrip("/") == "/api/gusmev/order":
            extra["orderId"] = 764000000 + len(state["log"])
        return self.reply(200, dict({"method": self.command, "path": path, "token": n,
                                     "headers": {k.lower(): v for k, v in self.headers.items()},
                                     "sha256": hashlib.sha256(body).hexdigest(), "length": len(body)}, **extra))

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f: f.write(str(server.server_address[1]))
server.serve_forever()
"""#
}
