import Foundation
import TestSupport

/// HTTP peers written with Python's standard library (an HTTP/1.1 server that counts connections
/// and misbehaves on request, and a CONNECT proxy), started on loopback and stopped by PID.
enum PythonPeers {
    /// `python3 http_peer.py PORT [--tls CERT KEY] [--idle SECONDS]`
    static let httpServer = #"""
import http.server, socketserver, sys, threading, time, json, ssl

PATTERN = bytes(range(251)) * 8192  # longer than any chunk plus offset, so slices never wrap
state = {"connections": 0}
lock = threading.Lock()

def pattern_chunks(total, size=1 << 20):
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        offset = sent % 251
        yield PATTERN[offset:offset + n]
        sent += n

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = float(sys.argv[sys.argv.index("--idle") + 1]) if "--idle" in sys.argv else None

    def setup(self):
        with lock:
            state["connections"] += 1
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, body, status=200, close=False):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        args = dict(p.split("=") for p in query.split("&") if "=" in p)
        if path == "/connections":
            with lock:
                count = state["connections"]
            self.reply(str(count).encode())
        elif path == "/hello":
            self.reply(b"hello")
        elif path == "/close":
            self.reply(b"bye", close=True)
        elif path == "/bytes":
            n = int(args["n"])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            for chunk in pattern_chunks(n):
                self.wfile.write(chunk)
        elif path == "/chunked":
            n = int(args["n"])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in pattern_chunks(n, 100000):
                self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/stall-head":
            time.sleep(30)
        elif path == "/stall-body":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            time.sleep(30)
        elif path == "/close-mid-body":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.close_connection = True
        else:
            self.reply(b"not found", status=404)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return
                remaining = size
                while remaining:
                    data = self.rfile.read(min(remaining, 1 << 20))
                    yield data
                    remaining -= len(data)
                self.rfile.readline()
        else:
            remaining = int(self.headers.get("Content-Length", "0"))
            while remaining:
                data = self.rfile.read(min(remaining, 1 << 20))
                if not data:
                    return
                yield data
                remaining -= len(data)

    def do_POST(self):
        length, intact = 0, True
        for data in self.read_body():
            offset = length % 251
            intact = intact and data == PATTERN[offset:offset + len(data)]
            length += len(data)
        self.reply(json.dumps({"length": length, "intact": intact}).encode())

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
if "--tls" in sys.argv:
    i = sys.argv.index("--tls")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"""#

    /// `python3 connect_proxy.py PORT [--auth "Basic …"]`: a CONNECT-only proxy that counts tunnels.
    static let connectProxy = #"""
import socket, sys, threading

required = sys.argv[sys.argv.index("--auth") + 1] if "--auth" in sys.argv else None
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen(16)

def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

def serve(client):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(4096)
        if not data:
            client.close()
            return
        head += data
    lines = head.split(b"\r\n")
    method, target, _ = lines[0].decode().split(" ")
    headers = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip().decode() for l in lines[1:] if b":" in l}
    if method != "CONNECT":
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    if required and headers.get(b"proxy-authorization") != required:
        client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    host, port = target.rsplit(":", 1)
    if host != "127.0.0.1" and host != "localhost":
        client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    upstream = socket.create_connection(("127.0.0.1", int(port)))
    print("TUNNEL", target, flush=True)
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""#

    /// Writes `script` to `directory` and starts it with a free port as its first argument.
    static func start(_ script: String, name: String, in directory: TemporaryDirectory,
                      arguments: [String] = []) throws -> PeerProcess {
        let path = directory.path(name)
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "/usr/bin/python3"
        return try PeerProcess.startServer(python) { port in ["-u", path, String(port)] + arguments }
    }
}
