import Foundation
import NIOCore
import NIOPosix

/// Checks whether an origin accepts a TCP connection now: the cheapest honest answer to "can the
/// box reach ESIA/EPGU" that costs nothing at the far end (no TLS handshake, no request).
enum UpstreamProbe {
    /// Connects to `url`'s host and port (or to `proxy` when one is configured) and closes at once.
    static func check(environment: String, service: String, url: URL, proxy: URL?,
                      timeout: TimeAmount = .seconds(2)) async -> UpstreamReport {
        let target = proxy ?? url
        let host = target.host ?? ""
        let port = target.port ?? (target.scheme == "https" ? 443 : 80)
        let via = proxy.map { " via proxy \($0.host ?? ""):\($0.port ?? 80)" } ?? ""
        let started = ContinuousClock.now
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .connect(host: host, port: port).get()
            try? await channel.close()
            let elapsed = ContinuousClock.now - started
            return UpstreamReport(environment: environment, service: service, url: url.absoluteString + via,
                                  reachable: true, milliseconds: Int(elapsed / .milliseconds(1)), error: nil)
        } catch {
            return UpstreamReport(environment: environment, service: service, url: url.absoluteString + via,
                                  reachable: false, milliseconds: nil, error: "TCP connect to \(host):\(port) failed: \(error)")
        }
    }
}
