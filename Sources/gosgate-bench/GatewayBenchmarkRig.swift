import ArgumentParser
import Foundation

/// Everything one `gosgate-bench gateway` run talks to, on loopback, stopped by PID at the end:
/// the fast upstream (nginx `return 200`), a byte-counting upload peer, gosgate-stand as ESIA,
/// gosgated and the nginx contender. The upstream refuses a request whose `Authorization` is not
/// a JWT Bearer token, so both contenders are seen to replace the client's key with the token.
final class GatewayBenchmarkRig {
    /// A port, the headers a client sends to it, and the process that answers there.
    struct Endpoint {
        let port: Int
        let headers: [(String, String)]
        /// gosgated, or the nginx master (its worker is counted with it).
        var pid: pid_t = 0
    }

    /// CPU time of a process and its children, from the scheduler's per-thread accounting.
    struct CPUTime {
        /// Seconds on a CPU.
        var running = 0.0
        /// Seconds runnable but waiting for a CPU (other processes had it).
        var waiting = 0.0

        static func - (later: CPUTime, earlier: CPUTime) -> CPUTime {
            CPUTime(running: later.running - earlier.running, waiting: later.waiting - earlier.waiting)
        }
    }

    /// One large upload through a contender.
    struct Upload {
        let peakBeforeKiB: Int
        let peakAfterKiB: Int
        let megabytesPerSecond: Double
    }

    /// The upstream reached without a proxy (with a token already in place).
    private(set) var direct = Endpoint(port: 0, headers: [])
    private(set) var gateway = Endpoint(port: 0, headers: [])
    private(set) var nginx = Endpoint(port: 0, headers: [])
    /// gosgated's endpoint for the identity whose EPGU origin is the upload peer.
    private(set) var gatewayUpload = Endpoint(port: 0, headers: [])
    private(set) var gatewayPID: pid_t = 0

    private let workspace: TLSBenchmark.Workspace
    private let pinToContenderCore: [String]
    private var servers: [TLSBenchmark.Server] = []
    private var nginxPID: pid_t = 0

    /// A JWT-shaped stand-in for the ESIA token nginx sends (nginx cannot obtain one).
    static let staticToken = "eyJhbGciOiJHT1NUMzQxMF8yMDEyXzI1NiIsInR5cCI6IkpXVCJ9."
        + String(repeating: "eyJzY29wZSI6Im9yZGVyX2FjY2VzcyJ9", count: 16) + "." + String(repeating: "c2lnbmF0dXJl", count: 8)

    /// Starts every process; the contenders on CPU 0 when `pinned`.
    init(workspace: TLSBenchmark.Workspace, binaries: GatewayBenchmarkBinaries, pinned: Bool, uploadLimitBytes: Int) throws {
        self.workspace = workspace
        pinToContenderCore = pinned ? ["/usr/bin/taskset", "-c", "0"] : []
        do {
            try start(binaries: binaries, uploadLimitBytes: uploadLimitBytes)
        } catch {
            stop()
            throw error
        }
    }

    private func start(binaries: GatewayBenchmarkBinaries, uploadLimitBytes: Int) throws {
        // The shared upstreams.
        let upstream = try startNginx(named: "upstream", onContenderCore: false) { port in Self.upstreamConfiguration(port: port) }
        direct = Endpoint(port: upstream.port, headers: [("Authorization", "Bearer \(Self.staticToken)")], pid: upstream.child.pid)
        let peerScript = workspace.path("upload_peer.py")
        try TLSBenchmark.streamPeer.write(toFile: peerScript, atomically: true, encoding: .utf8)
        let uploadPeer = try remember(workspace.startServer("/usr/bin/python3") { port in [peerScript, String(port)] })

        // ESIA: gosgate-stand over plain HTTP, with the signer key the file token driver uses.
        let standDirectory = workspace.path("stand")
        _ = try workspace.run(binaries.stand, ["init", standDirectory, "--plain"])
        let stand = try remember(workspace.startServer(binaries.stand) { port in
            ["serve", "--dir", standDirectory, "--plain", "--port", String(port)]
        })
        let apiKeyFile = workspace.path("api-key")
        try Self.firstAPIKey(standDirectory: standDirectory).write(toFile: apiKeyFile, atomically: true, encoding: .utf8)

        // gosgated, its log on a file like nginx's access log.
        let adminSocket = workspace.path("admin.sock")
        let configuration = workspace.path("gosgate.yaml")
        let healthPort = try TLSBenchmark.Server.freePort()
        let gosgated = try remember(workspace.startServer("/bin/sh") { port in
            try? Self.gatewayConfiguration(directory: self.workspace.directory.path, port: port, healthPort: healthPort,
                                           standPort: stand.port, upstreamPort: upstream.port, uploadPort: uploadPeer.port,
                                           maxBody: uploadLimitBytes, signer: standDirectory)
                .write(toFile: configuration, atomically: true, encoding: .utf8)
            return ["-c", "exec \"$@\" 2>>gosgated.log", "sh"] + self.pinToContenderCore
                + [binaries.gosgated, "--config", configuration]
        })
        gatewayPID = gosgated.child.pid
        let clientKey = try addClient(binaries, socket: adminSocket, identity: "fast", apiKeyFile: apiKeyFile)
        let uploaderKey = try addClient(binaries, socket: adminSocket, identity: "upload", apiKeyFile: apiKeyFile)
        gateway = Endpoint(port: gosgated.port, headers: [("Authorization", "Bearer \(clientKey)")], pid: gatewayPID)
        gatewayUpload = Endpoint(port: gosgated.port, headers: [("Authorization", "Bearer \(uploaderKey)")], pid: gatewayPID)

        // nginx doing the same work, on the same core budget.
        let contender = try startNginx(named: "contender", onContenderCore: true) { port in
            Self.contenderConfiguration(port: port, upstreamPort: upstream.port, uploadPort: uploadPeer.port, clientKey: clientKey)
        }
        nginxPID = contender.child.pid
        nginx = Endpoint(port: contender.port, headers: [("Authorization", "Bearer \(clientKey)")], pid: nginxPID)

        // The first call through gosgated obtains the ESIA token; both contenders must answer 200.
        try waitForSuccess(gateway, what: "gosgated (obtaining the ESIA token from gosgate-stand)")
        try waitForSuccess(gatewayUpload, what: "gosgated, upload identity", upload: true)
        try waitForSuccess(nginx, what: "nginx")
        try waitForSuccess(direct, what: "the upstream")
    }

    /// Stops every process this rig started, newest first, by PID.
    func stop() {
        for server in servers.reversed() { server.stop() }
        servers = []
    }

    /// The nginx contender's worker, which does the proxying (the master only supervises).
    func nginxWorkerPID() -> pid_t {
        Self.children(of: nginxPID).first ?? nginxPID
    }

    /// CPU time of every thread of `pid` and of its children, now.
    static func cpuTime(of pid: pid_t) -> CPUTime {
        var total = CPUTime()
        for process in [pid] + children(of: pid) {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/task")) ?? []
            for task in tasks {
                // schedstat: nanoseconds on CPU, nanoseconds waiting on a run queue, time slices.
                let fields = ((try? String(contentsOfFile: "/proc/\(process)/task/\(task)/schedstat", encoding: .utf8)) ?? "")
                    .split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                guard fields.count >= 2 else { continue }
                total.running += fields[0] / 1e9
                total.waiting += fields[1] / 1e9
            }
        }
        return total
    }

    private static func children(of pid: pid_t) -> [pid_t] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { pid_t($0) }
    }

    /// Uploads `file` through a contender and reads the measured process's peak RSS before and after.
    func upload(file: String, bytes: Int, through target: Endpoint, measuring pid: pid_t) throws -> Upload {
        let before = Self.peakResidentKiB(pid)
        var arguments = ["-sS", "-o", "-", "-w", "\n%{http_code} %{speed_upload}", "-X", "POST", "-T", file,
                         "-H", "Expect:", "-H", "Content-Type: application/octet-stream"]
        for (name, value) in target.headers { arguments += ["-H", "\(name): \(value)"] }
        arguments.append("http://127.0.0.1:\(target.port)\(GatewayBenchmark.uploadPath)")
        let result = try workspace.run("/usr/bin/curl", arguments)
        let lines = result.output.split(separator: "\n")
        let status = lines.last?.split(separator: " ")
        guard lines.count == 2, lines[0] == String(bytes), status?.first == "200",
              let speed = status?.last.flatMap({ Double($0) })
        else { throw ValidationError("upload through port \(target.port) failed: \(result.output) \(result.errors)") }
        return Upload(peakBeforeKiB: before, peakAfterKiB: Self.peakResidentKiB(pid), megabytesPerSecond: speed / 1e6)
    }

    // MARK: processes

    private func remember(_ server: TLSBenchmark.Server) -> TLSBenchmark.Server {
        servers.append(server)
        return server
    }

    private func startNginx(named name: String, onContenderCore: Bool,
                            configuration: (Int) -> String) throws -> TLSBenchmark.Server {
        let prefix = workspace.path("nginx-\(name)")
        try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
        let file = prefix + "/nginx.conf"
        return try remember(workspace.startServer(onContenderCore ? pinToContenderCore[0] : "/usr/sbin/nginx") { port in
            try? configuration(port).write(toFile: file, atomically: true, encoding: .utf8)
            return (onContenderCore ? Array(self.pinToContenderCore.dropFirst()) + ["/usr/sbin/nginx"] : [])
                + ["-p", prefix + "/", "-c", file, "-e", prefix + "/logs/error.log"]
        })
    }

    private func addClient(_ binaries: GatewayBenchmarkBinaries, socket: String, identity: String, apiKeyFile: String) throws -> String {
        let admin = ["--socket", socket]
        let added = try workspace.run(binaries.gosgatectl,
                                      ["identity", "add", identity, "--environment", identity, "--api-key-file", apiKeyFile] + admin)
        let client = try workspace.run(binaries.gosgatectl, ["client", "add", "bench-\(identity)", "--identity", identity, "--json"] + admin)
        guard let object = try? JSONSerialization.jsonObject(with: Data(client.output.utf8)) as? [String: Any],
              let key = object["key"] as? String
        else { throw ValidationError("gosgatectl could not add identity \(identity): \(added.errors) \(client.errors)") }
        return key
    }

    /// Calls until a 200 arrives: the measured read, or a one-byte upload for the upload peer.
    private func waitForSuccess(_ endpoint: Endpoint, what: String, upload: Bool = false) throws {
        var arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}"]
        for (name, value) in endpoint.headers { arguments += ["-H", "\(name): \(value)"] }
        if upload { arguments += ["--data-binary", "x", "-H", "Content-Type: application/octet-stream"] }
        arguments.append("http://127.0.0.1:\(endpoint.port)"
                         + (upload ? GatewayBenchmark.uploadPath : GatewayBenchmark.measuredPath))
        var status = ""
        for _ in 0..<50 {
            status = try workspace.run("/usr/bin/curl", arguments).output
            if status == "200" { return }
            usleep(200_000)
        }
        throw ValidationError("\(what) answered \(status) instead of 200; logs in \(workspace.directory.path)")
    }

    private static func peakResidentKiB(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    }

    private static func firstAPIKey(standDirectory: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: standDirectory + "/stand.json"))
        guard let stand = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let organisation = (stand["organisations"] as? [[String: Any]])?.first,
              let key = (organisation["apiKeys"] as? [[String: Any]])?.first?["key"] as? String
        else { throw ValidationError("no API-KEY in \(standDirectory)/stand.json") }
        return key
    }

    // MARK: configurations

    private static func gatewayConfiguration(directory: String, port: Int, healthPort: Int, standPort: Int, upstreamPort: Int,
                                             uploadPort: Int, maxBody: Int, signer: String) -> String {
        """
        store:
          path: \(directory)/gosgate.sqlite
        admin:
          socket: \(directory)/admin.sock
        gateway:
          listen: ["127.0.0.1:\(port)"]
          max_body_size: \(maxBody)
        health:
          listen: 127.0.0.1:\(healthPort)
        token:
          driver: file
          key_file: \(signer)/signer.key.pem
          certificate: \(signer)/signer.pem
          allow_software_key: true
        environments:
          fast:
            esia: http://127.0.0.1:\(standPort)
            epgu: http://127.0.0.1:\(upstreamPort)
          upload:
            esia: http://127.0.0.1:\(standPort)
            epgu: http://127.0.0.1:\(uploadPort)
        quotas:
          per_minute: 1000000
          per_hour: 100000000
          per_day: 1000000000
        log:
          level: info

        """
    }

    /// A fast upstream: a small JSON answer, only for a JWT Bearer token.
    private static func upstreamConfiguration(port: Int) -> String {
        """
        worker_processes 1;
        daemon off;
        pid nginx.pid;
        events { worker_connections 4096; }
        http {
            access_log off;
            keepalive_requests 10000000;
            default_type application/json;
            server {
                listen 127.0.0.1:\(port);
                location / {
                    if ($http_authorization !~ "^Bearer eyJ") { return 401; }
                    return 200 '\(GatewayBenchmark.upstreamAnswer)';
                }
            }
        }

        """
    }

    /// nginx doing gosgated's work: the client's key checked, `Authorization` replaced with the
    /// Bearer token, keep-alive to the upstream, one access log line per request, uploads streamed.
    private static func contenderConfiguration(port: Int, upstreamPort: Int, uploadPort: Int, clientKey: String) -> String {
        let proxying = """
                    if ($http_authorization != "Bearer \(clientKey)") { return 401; }
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Authorization "Bearer \(staticToken)";
        """
        return """
        worker_processes 1;
        daemon off;
        pid nginx.pid;
        events { worker_connections 4096; }
        http {
            access_log logs/access.log;
            keepalive_requests 10000000;
            client_max_body_size 0;
            upstream epgu { server 127.0.0.1:\(upstreamPort); keepalive 64; keepalive_requests 10000000; }
            upstream uploads { server 127.0.0.1:\(uploadPort); keepalive 4; }
            server {
                listen 127.0.0.1:\(port);
                location / {
        \(proxying)
                    proxy_pass http://epgu;
                }
                location = \(GatewayBenchmark.uploadPath) {
        \(proxying)
                    proxy_request_buffering off;
                    proxy_pass http://uploads;
                }
            }
        }

        """
    }
}
