import ArgumentParser
import Foundation

/// `gosgate-bench gateway`: gosgated against nginx configured to do the same work (check the
/// client's key, replace its `Authorization` with a Bearer token, keep-alive upstream, access log
/// on), both in front of the same fast upstream, each pinned to one core: requests per second at
/// saturation (wrk) with the CPU time per request, added latency percentiles at fixed moderate
/// rates (open loop, minus the upstream reached directly), and peak memory while a 1 GiB upload
/// streams through each.
struct GatewayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Proxy rps, added latency and 1 GiB upload memory: gosgated vs nginx doing the same work."
    )

    @Option(help: "Seconds of each wrk throughput run.")
    var seconds = 10

    @Option(help: "Connections wrk keeps open.")
    var connections = 64

    @Option(name: .customLong("rate"), help: "Requests per second of a fixed-rate latency run (repeat for several).")
    var rates: [Int] = [1000, 250]

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
        do {
            try await measure(binaries: binaries, pinned: pinned, workspace: workspace)
            workspace.remove()
        } catch {
            print("gosgate-bench gateway failed; configurations and logs kept in \(workspace.directory.path)")
            throw error
        }
    }

    private func measure(binaries: GatewayBenchmarkBinaries, pinned: Bool, workspace: TLSBenchmark.Workspace) async throws {
        // The generator, wrk and the upstreams share CPU 1; the contender owns CPU 0.
        if pinned { _ = try workspace.run("/usr/bin/taskset", ["-a", "-p", "-c", "1", String(getpid())]) }

        // gosgated's body limit: the upload plus room, within what its configuration accepts (4 GiB).
        let rig = try GatewayBenchmarkRig(workspace: workspace, binaries: binaries, pinned: pinned,
                                          uploadLimitBytes: min(1 << 32, (max(1, uploadGibibytes) << 30) + (64 << 20)))
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

        fflush(nil)  // progress shows as it happens, also in a pipe or a log
        // 1. Throughput at saturation, and what each request costs in CPU time (which, unlike the
        // rate, does not depend on how much of the core other processes on this machine take).
        var throughput: [String: Throughput] = [:]
        for _ in 0..<max(1, repeats) {
            for (name, endpoint) in contenders {
                let run = try wrk(endpoint, workspace: workspace)
                if run.requestsPerSecond > throughput[name]?.requestsPerSecond ?? 0 { throughput[name] = run }
            }
        }
        print("throughput: wrk, 1 thread, \(connections) connections, \(seconds) s, best of \(max(1, repeats)), GET getOrdersStatus")
        print("  \(Self.pad("", 16))  requests/s   CPU µs/request   runnable but waiting for a CPU")
        for (name, _) in contenders {
            guard let run = throughput[name] else { continue }
            print("  \(Self.pad(name, 16)) \(Self.pad(String(format: "%.0f", run.requestsPerSecond), 11, left: true))"
                  + "   \(Self.pad(String(format: "%.1f", run.cpuMicrosecondsPerRequest), 14, left: true))"
                  + "   \(String(format: "%.0f", run.waitingShare * 100))% of the time")
        }

        fflush(nil)
        // 2. Latency at fixed moderate rates, minus the upstream's own.
        var latencies: [(rate: Int, outcomes: [String: OpenLoopLoad.Outcome])] = []
        for rate in rates {
            var outcomes: [String: OpenLoopLoad.Outcome] = [:]
            for (name, endpoint) in contenders {
                outcomes[name] = try await OpenLoopLoad(
                    target: OpenLoopLoad.Target(port: endpoint.port, path: Self.measuredPath, headers: endpoint.headers),
                    rate: rate, warmup: .seconds(2), duration: .seconds(latencySeconds), initialConnections: 16
                ).run()
            }
            latencies.append((rate, outcomes))
            printLatency(outcomes, rate: rate, names: contenders.map(\.name))
            fflush(nil)
        }

        fflush(nil)
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

        fflush(nil)
        // 4. Ratios.
        print("\nratios gosgated / nginx (aim: throughput ≥ 0.8, p99 added < 1000 µs, memory flat)")
        if let ours = throughput["gosgated"], let theirs = throughput["nginx"] {
            print("  \(Self.pad("throughput", 26)) \(String(format: "%.2f", ours.requestsPerSecond / theirs.requestsPerSecond))")
            print("  \(Self.pad("requests per CPU second", 26)) "
                  + "\(String(format: "%.2f", theirs.cpuMicrosecondsPerRequest / ours.cpuMicrosecondsPerRequest))"
                  + "   (\(String(format: "%.0f", 1e6 / ours.cpuMicrosecondsPerRequest)) vs "
                  + "\(String(format: "%.0f", 1e6 / theirs.cpuMicrosecondsPerRequest)): the rate each could reach on a core of its own)")
        }
        for (rate, outcomes) in latencies {
            guard let ours = outcomes["gosgated"], let theirs = outcomes["nginx"], let baseline = outcomes["upstream direct"] else { continue }
            for (label, fraction) in Self.fractions where fraction == 0.5 || fraction == 0.99 {
                let (a, b) = (ours.percentile(fraction) - baseline.percentile(fraction),
                              theirs.percentile(fraction) - baseline.percentile(fraction))
                print("  \(Self.pad("\(label) added at \(rate)/s", 26)) \(String(format: "%.2f", a / max(b, 1)))"
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

    /// The latency percentiles reported.
    static let fractions: [(String, Double)] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)]

    private func printLatency(_ outcomes: [String: OpenLoopLoad.Outcome], rate: Int, names: [String]) {
        print("\nlatency: open loop at \(rate) requests/s for \(latencySeconds) s, µs from the moment each request was due")
        print("  \(Self.pad("", 26))" + Self.fractions.map { Self.pad($0.0, 8, left: true) }.joined() + "   failures  connections")
        guard let baseline = outcomes["upstream direct"] else { return }
        for name in names {
            guard let outcome = outcomes[name] else { continue }
            print("  \(Self.pad(name, 26))" + Self.fractions.map { Self.pad(Self.micro(outcome.percentile($0.1)), 8, left: true) }.joined()
                  + "   \(Self.pad(String(outcome.failures), 8, left: true))  \(Self.pad(String(outcome.connections), 11, left: true))")
        }
        for name in names where name != "upstream direct" {
            guard let outcome = outcomes[name] else { continue }
            print("  \(Self.pad("\(name) added", 26))"
                  + Self.fractions.map { Self.pad(Self.micro(outcome.percentile($0.1) - baseline.percentile($0.1)), 8, left: true) }.joined())
        }
    }

    /// One saturation run.
    struct Throughput {
        let requestsPerSecond: Double
        /// CPU time of the answering process (all threads, nginx's worker included) per request.
        let cpuMicrosecondsPerRequest: Double
        /// Of the time the answering process was runnable, the share it waited for a CPU.
        let waitingShare: Double
    }

    /// One wrk run with the answering process's CPU time; refuses runs with errors or non-2xx answers.
    private func wrk(_ endpoint: GatewayBenchmarkRig.Endpoint, workspace: TLSBenchmark.Workspace) throws -> Throughput {
        let before = GatewayBenchmarkRig.cpuTime(of: endpoint.pid)
        var arguments = ["-t1", "-c\(connections)", "-d\(seconds)s"]
        for (name, value) in endpoint.headers { arguments += ["-H", "\(name): \(value)"] }
        arguments.append("http://127.0.0.1:\(endpoint.port)\(Self.measuredPath)")
        let output = try workspace.run("/usr/bin/wrk", arguments).output
        let used = GatewayBenchmarkRig.cpuTime(of: endpoint.pid) - before
        let lines = output.split(separator: "\n")
        // "Requests/sec:  12345.67" and "  123456 requests in 10.00s, 12.34MB read"
        guard let rate = lines.first(where: { $0.hasPrefix("Requests/sec:") })?.split(separator: " ").last.flatMap({ Double($0) }),
              let count = lines.first(where: { $0.contains(" requests in ") })?.split(separator: " ").first.flatMap({ Double($0) }),
              count > 0
        else { throw ValidationError("unreadable wrk output: \(output)") }
        if let bad = output.split(separator: "\n").first(where: { $0.contains("Non-2xx") || $0.contains("Socket errors") }) {
            throw ValidationError("wrk against port \(endpoint.port): \(bad.trimmingCharacters(in: .whitespaces))")
        }
        return Throughput(requestsPerSecond: rate, cpuMicrosecondsPerRequest: used.running / count * 1e6,
                          waitingShare: used.waiting / max(used.running + used.waiting, 1e-9))
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
