import ArgumentParser
import Foundation

/// `gosgate-bench gateway`: gosgated against nginx configured to do the same work (check the
/// client's key, replace its `Authorization` with a Bearer token, keep-alive upstream, access log
/// on), both in front of the same fast upstream, each pinned to one core: requests per second at
/// saturation (wrk), added latency percentiles at a fixed moderate rate (open loop, minus the
/// upstream reached directly), and peak memory while a 1 GiB upload streams through each.
struct GatewayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Proxy rps, added latency and 1 GiB upload memory: gosgated vs nginx doing the same work."
    )

    @Option(help: "Seconds of each wrk throughput run.")
    var seconds = 10

    @Option(help: "Connections wrk keeps open.")
    var connections = 64

    @Option(help: "Requests per second of the fixed-rate latency runs.")
    var rate = 1000

    @Option(name: .customLong("latency-seconds"), help: "Measured seconds of each latency run (after 2 s of warm-up).")
    var latencySeconds = 10

    @Option(help: "Throughput runs of each contender, alternating; the best counts.")
    var repeats = 2

    @Option(name: .customLong("upload-gib"), help: "GiB uploaded through each contender for the memory part (0 skips).")
    var uploadGibibytes = 1

    @Option(name: .customLong("bin-dir"), help: "Where gosgated, gosgatectl and gosgate-stand are (default: beside this program).")
    var binDirectory: String?

    /// The EPGU call measured: a read that needs the ESIA token.
    static let measuredPath = "/api/gusmev/order/getOrdersStatus?pageNum=0&pageSize=10&orderIds=1"
    /// The route that streams large bodies.
    static let uploadPath = "/api/gusmev/push/chunked"
    /// What the fast upstream answers.
    static let upstreamAnswer = #"{"items":[{"orderId":"1","status":"REGISTERED"}],"total":1}"#

    func run() async throws {
        let binaries = try GatewayBenchmarkBinaries(directory: binDirectory)
        let pinned = ProcessInfo.processInfo.activeProcessorCount >= 2
        let workspace = try TLSBenchmark.Workspace()
        defer { workspace.remove() }
        // The generator, wrk and the upstreams share CPU 1; the contender owns CPU 0.
        if pinned { _ = try workspace.run("/usr/bin/taskset", ["-a", "-p", "-c", "1", String(getpid())]) }

        let rig = try await GatewayBenchmarkRig(workspace: workspace, binaries: binaries, pinned: pinned,
                                                 uploadLimitBytes: max(1, uploadGibibytes) << 31)
        defer { rig.stop() }
        let nginxVersion = try workspace.run("/usr/sbin/nginx", ["-v"]).errors
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "nginx version: ", with: "")
        print("gosgate-bench gateway: gosgated vs \(nginxVersion), same upstream (nginx `return 200`), loopback, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(Self.loadAverage())")
        print(pinned ? "pinning: contender on CPU 0 (nginx: 1 worker); wrk, the latency generator and the upstreams on CPU 1"
                     : "pinning: off (one core)")
        print("work: check the client's key, replace Authorization with the ESIA Bearer token, keep-alive upstream, access log on\n")

        let contenders: [(name: String, target: GatewayBenchmarkRig.Endpoint)] = [
            ("upstream direct", rig.direct), ("gosgated", rig.gateway), ("nginx", rig.nginx),
        ]

        // 1. Throughput at saturation.
        var throughput: [String: Double] = [:]
        for _ in 0..<max(1, repeats) {
            for (name, endpoint) in contenders {
                throughput[name] = max(throughput[name] ?? 0, try wrk(endpoint, workspace: workspace))
            }
        }
        print("throughput: wrk, 1 thread, \(connections) connections, \(seconds) s, best of \(max(1, repeats)), GET getOrdersStatus")
        for (name, _) in contenders {
            print("  \(Self.pad(name, 16)) \(Self.pad(String(format: "%.0f", throughput[name] ?? 0), 8, left: true)) requests/s")
        }

        // 2. Latency at a fixed moderate rate.
        var outcomes: [String: OpenLoopLoad.Outcome] = [:]
        for (name, endpoint) in contenders {
            outcomes[name] = try await OpenLoopLoad(
                target: OpenLoopLoad.Target(port: endpoint.port, path: Self.measuredPath, headers: endpoint.headers),
                rate: rate, warmup: .seconds(2), duration: .seconds(latencySeconds), initialConnections: 16
            ).run()
        }
        let fractions: [(String, Double)] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)]
        print("\nlatency: open loop at \(rate) requests/s for \(latencySeconds) s, µs from the moment each request was due")
        print("  \(Self.pad("", 26))" + fractions.map { Self.pad($0.0, 8, left: true) }.joined() + "   failures  connections")
        guard let baseline = outcomes["upstream direct"] else { return }
        for (name, _) in contenders {
            guard let outcome = outcomes[name] else { continue }
            print("  \(Self.pad(name, 26))" + fractions.map { Self.pad(Self.micro(outcome.percentile($0.1)), 8, left: true) }.joined()
                  + "   \(Self.pad(String(outcome.failures), 8, left: true))  \(Self.pad(String(outcome.connections), 11, left: true))")
        }
        for (name, _) in contenders.dropFirst() {
            guard let outcome = outcomes[name] else { continue }
            print("  \(Self.pad("\(name) added", 26))"
                  + fractions.map { Self.pad(Self.micro(outcome.percentile($0.1) - baseline.percentile($0.1)), 8, left: true) }.joined())
        }

        // 3. Memory while streaming a large upload.
        var memory: [String: GatewayBenchmarkRig.Upload] = [:]
        if uploadGibibytes > 0 {
            let file = workspace.path("upload.bin")
            _ = try workspace.run("/usr/bin/truncate", ["-s", String(uploadGibibytes << 30), file])
            print("\nmemory: \(uploadGibibytes) GiB POST \(Self.uploadPath) (curl -T, Content-Length) to a peer that counts the bytes")
            for name in ["gosgated", "nginx"] {
                let upload = try rig.upload(file: file, bytes: uploadGibibytes << 30, through: name == "nginx" ? rig.nginx : rig.gatewayUpload,
                                            measuring: name == "nginx" ? rig.nginxWorkerPID() : rig.gatewayPID)
                memory[name] = upload
                print("  \(Self.pad(name, 16)) peak RSS (VmHWM) \(upload.peakBeforeKiB / 1024) → \(upload.peakAfterKiB / 1024) MiB"
                      + " (+\(String(format: "%.1f", Double(upload.peakAfterKiB - upload.peakBeforeKiB) / 1024)) MiB), "
                      + "\(String(format: "%.0f", upload.megabytesPerSecond)) MB/s")
            }
        }

        // 4. Ratios.
        print("\nratios gosgated / nginx (aim: throughput ≥ 0.8, p99 added < 1000 µs, memory flat)")
        if let ours = throughput["gosgated"], let theirs = throughput["nginx"] {
            print("  \(Self.pad("throughput", 26)) \(String(format: "%.2f", ours / theirs))")
        }
        if let ours = outcomes["gosgated"], let theirs = outcomes["nginx"] {
            for (label, fraction) in fractions {
                let (a, b) = (ours.percentile(fraction) - baseline.percentile(fraction),
                              theirs.percentile(fraction) - baseline.percentile(fraction))
                print("  \(Self.pad("\(label) added latency", 26)) \(String(format: "%.2f", a / max(b, 1)))"
                      + "   (\(Self.micro(a)) vs \(Self.micro(b)) µs)")
            }
        }
        if let ours = memory["gosgated"], let theirs = memory["nginx"] {
            print("  \(Self.pad("peak RSS", 26)) \(String(format: "%.2f", Double(ours.peakAfterKiB) / Double(theirs.peakAfterKiB)))"
                  + "   (growth during the upload: \(Self.mebibytes(ours.peakAfterKiB - ours.peakBeforeKiB)) vs "
                  + "\(Self.mebibytes(theirs.peakAfterKiB - theirs.peakBeforeKiB)) MiB)")
        }
        print("load average at the end: \(Self.loadAverage())")
    }

    /// Requests per second from one wrk run; refuses runs with errors or non-2xx answers.
    private func wrk(_ endpoint: GatewayBenchmarkRig.Endpoint, workspace: TLSBenchmark.Workspace) throws -> Double {
        var arguments = ["-t1", "-c\(connections)", "-d\(seconds)s"]
        for (name, value) in endpoint.headers { arguments += ["-H", "\(name): \(value)"] }
        arguments.append("http://127.0.0.1:\(endpoint.port)\(Self.measuredPath)")
        let output = try workspace.run("/usr/bin/wrk", arguments).output
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
              let rate = line.split(separator: " ").last.flatMap({ Double($0) })
        else { throw ValidationError("unreadable wrk output: \(output)") }
        if let bad = output.split(separator: "\n").first(where: { $0.contains("Non-2xx") || $0.contains("Socket errors") }) {
            throw ValidationError("wrk against port \(endpoint.port): \(bad.trimmingCharacters(in: .whitespaces))")
        }
        return rate
    }

    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    private static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }

    private static func micro(_ value: Double) -> String { String(format: "%.0f", value) }

    private static func mebibytes(_ kibibytes: Int) -> String { String(format: "%.1f", Double(kibibytes) / 1024) }
}
