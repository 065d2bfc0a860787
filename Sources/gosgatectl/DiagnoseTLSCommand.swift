import ArgumentParser
import Foundation
import TLS
import Upstream

/// `gosgatectl diagnose tls URL`: connects as the gateway would (GOST suites, the CA directory, the
/// proxy) and prints protocol, suite, the peer's chain with validity, the verdict and the handshake
/// time. Exits 1 with a one-line reason when anything fails.
struct DiagnoseTLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Check TLS to an origin (EPGU, ESIA) exactly as the gateway connects to it.",
        discussion: """
        Run this first when EPGU answers access_denied_system. Examples:
          gosgatectl diagnose tls https://svcdev-gostapi.test.gosuslugi.ru/
          gosgatectl diagnose tls https://esia-portal1.test.gosuslugi.ru/ --ciphers standard
          gosgatectl diagnose tls https://www.gosuslugi.ru/ --proxy http://user:pass@proxy:3128 --json
        """
    )

    /// Where the gateway keeps its trusted CAs (see docs/tls.md).
    static let defaultCADirectory = "/etc/gosgate/ca"

    @Argument(help: "The origin to check, https://host[:port]/.")
    var url: String

    @Option(help: "Trusted CA file or `openssl rehash`ed directory (default: \(defaultCADirectory) if present, else the system store).")
    var ca: String?

    @Option(help: "Suites to offer: `gost` (default: the four GOST TLS 1.2 suites), `standard` (TLS 1.2/1.3), or an OpenSSL cipher list.")
    var ciphers = "gost"

    @Option(help: "Outbound HTTP proxy, http://[user:password@]host:port.")
    var proxy: String?

    @Option(help: "Server name to send (SNI) and to expect in the certificate, if not the URL's host.")
    var servername: String?

    @Option(help: "Seconds allowed for connect and for the handshake.")
    var timeout: Double = 10

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    func run() async throws {
        let request: TLSDiagnosis.Request
        do {
            request = try makeRequest()
        } catch {
            throw fail(code: error.code, message: error.description)
        }
        let report = await TLSDiagnosis.run(request)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Self.text(report))
        }
        if !report.ok {
            if !json { Self.printError(report.message ?? "TLS check failed") }
            throw ExitCode(1)
        }
    }

    private func makeRequest() throws(UpstreamError) -> TLSDiagnosis.Request {
        let (origin, _) = try Origin.split(url)
        guard origin.scheme == .https else {
            throw .invalidURL("\(url) is not https://; there is no TLS to check")
        }
        let trustRoots: TLSConfiguration.TrustRoots
        var isDirectory: ObjCBool = false
        let caPath = ca ?? (FileManager.default.fileExists(atPath: Self.defaultCADirectory) ? Self.defaultCADirectory : nil)
        if let caPath {
            guard FileManager.default.fileExists(atPath: caPath, isDirectory: &isDirectory) else {
                throw .tlsConfiguration(.invalidConfiguration("CA path \(caPath) does not exist"))
            }
            trustRoots = isDirectory.boolValue ? .directory(caPath) : .file(caPath)
        } else {
            trustRoots = .system
        }
        var tls: TLSConfiguration
        switch ciphers.lowercased() {
        case "gost":
            tls = .gostClient(trustRoots: trustRoots)
        case "standard":
            tls = .standardClient(trustRoots: trustRoots)
        default:
            tls = .standardClient(trustRoots: trustRoots)
            tls.cipherList = ciphers
            // GOST suites exist only in TLS 1.2; offering 1.3 would bypass them.
            if ciphers.uppercased().contains("GOST") { tls.maximumVersion = .tls1_2 }
        }
        tls.handshakeTimeout = .milliseconds(Int(timeout * 1000))
        var outboundProxy: HTTPProxy?
        if let proxy { outboundProxy = try HTTPProxy(url: proxy) }
        return TLSDiagnosis.Request(origin: origin, tls: tls, proxy: outboundProxy,
                                    serverName: servername, connectTimeout: .milliseconds(Int(timeout * 1000)))
    }

    private func fail(code: String, message: String) -> ExitCode {
        if json {
            let object = ["ok": "false", "code": code, "message": message]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            print(String(decoding: data, as: UTF8.self))
        } else {
            Self.printError(message)
        }
        return ExitCode(1)
    }

    private static func printError(_ message: String) {
        FileHandle.standardError.write(Data("gosgatectl: \(message)\n".utf8))
    }

    /// The human-readable report.
    static func text(_ report: TLSDiagnosis.Report) -> String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            lines.append("  " + label.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        lines.append("TLS check of \(report.origin)" + (report.proxy.map { " via proxy \($0)" } ?? ""))
        row("server name", report.serverName)
        row("trust", report.trustRoots)
        row("offered", report.offeredCiphers)
        if let connect = report.connectMilliseconds { row("connect", format(connect)) }
        if let version = report.protocolVersion { row("protocol", version) }
        if let suite = report.cipherSuite { row("suite", suite + (report.cipherSuiteID.map { " (\($0))" } ?? "")) }
        if let alpn = report.applicationProtocol { row("ALPN", alpn) }
        if let resumed = report.resumed { row("resumed", resumed ? "yes" : "no") }
        if let handshake = report.handshakeMilliseconds { row("handshake", format(handshake)) }
        if let verdict = report.verdict { row("verdict", verdict) }
        if !report.peerChain.isEmpty {
            lines.append("  peer chain (server certificate first):")
            let now = Date()
            for (index, certificate) in report.peerChain.enumerated() {
                let left = Int(certificate.notAfter.timeIntervalSince(now) / 86_400)
                let validity: String
                if certificate.notAfter < now {
                    validity = "EXPIRED"
                } else if certificate.notBefore > now {
                    validity = "NOT YET VALID"
                } else {
                    validity = "\(left) days left"
                }
                lines.append("   [\(index)] subject  \(certificate.subject)")
                lines.append("       issuer   \(certificate.issuer)")
                lines.append("       valid    \(timestamp(certificate.notBefore)) – \(timestamp(certificate.notAfter)) (\(validity))")
                lines.append("       key      \(certificate.publicKeyAlgorithm), signed with \(certificate.signatureAlgorithm)")
                if !certificate.subjectAlternativeNames.isEmpty {
                    lines.append("       names    \(certificate.subjectAlternativeNames.joined(separator: ", "))")
                }
            }
        }
        lines.append(report.ok ? "  result      OK" : "  result      FAILED: \(report.message ?? "unknown")")
        return lines.joined(separator: "\n")
    }

    private static func format(_ milliseconds: Double) -> String {
        String(format: "%.1f ms", milliseconds)
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
