import Foundation
import Yams

/// Reads and validates the gateway's YAML configuration.
public enum ConfigurationLoader {
    /// Loads `path`, reporting every problem at once.
    public static func load(path: String) throws(ConfigurationError) -> GatewayConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "not readable as UTF-8 text (check permissions: the gosgate user must read it)"
                : "no such file (copy etc/gosgate.example.yaml there and edit it)"
            throw .unreadable(path: path, reason: reason)
        }
        return try parse(text, path: path)
    }

    /// Validates YAML text; `path` is only used in messages.
    public static func parse(_ text: String, path: String = "<config>") throws(ConfigurationError) -> GatewayConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .invalid(path: path, issues: [syntaxIssue(error)])
        } catch {
            throw .invalid(path: path, issues: [ConfigurationIssue(line: 0, column: 0, keyPath: "",
                problem: "not valid YAML (\(error))", fix: "check indentation and quoting")])
        }
        let reader = YAMLReader()
        let configuration = read(root, reader)
        guard reader.issues.isEmpty, let configuration else {
            let issues = reader.issues.isEmpty
                ? [ConfigurationIssue(line: 0, column: 0, keyPath: "", problem: "the file is empty",
                                      fix: "start from etc/gosgate.example.yaml")]
                : reader.issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
            throw .invalid(path: path, issues: issues)
        }
        return configuration
    }

    private static func syntaxIssue(_ error: YamlError) -> ConfigurationIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return ConfigurationIssue(line: mark.line, column: mark.column, keyPath: "",
                                      problem: "YAML syntax: \(problem)",
                                      fix: "check indentation (spaces, not tabs) and quote values containing ': '")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationIssue(line: context.mark.line, column: context.mark.column, keyPath: "",
                                      problem: "duplicated keys \(duplicates.joined(separator: ", "))",
                                      fix: "keep one of each key")
        default:
            return ConfigurationIssue(line: 0, column: 0, keyPath: "", problem: "YAML: \(error)",
                                      fix: "check the file is UTF-8 YAML")
        }
    }

    private static func read(_ root: Node?, _ reader: YAMLReader) -> GatewayConfiguration? {
        let topKeys = ["store", "admin", "gateway", "health", "token", "environments", "quotas", "log"]
        guard let top = reader.section(root, "", known: topKeys) else { return nil }

        let storeSection = reader.section(top.node("store"), "store", known: ["path"])
        let store = StoreSettings(path: storeSection?.absolutePath("path") ?? "/var/lib/gosgate/gosgate.sqlite")

        let adminSection = reader.section(top.node("admin"), "admin", known: ["socket", "operator_group"])
        let admin = AdminSettings(socket: adminSection?.absolutePath("socket") ?? "/run/gosgate/admin.sock",
                                  operatorGroup: adminSection?.string("operator_group") ?? "gosgate-operator")

        let gateway = readGateway(reader.section(top.node("gateway"), "gateway", known: [
            "listen", "tls_certificate", "tls_key", "client_ca", "max_body_size", "max_header_size",
            "header_timeout", "body_timeout", "max_concurrent_requests", "shutdown_grace",
        ]), reader)

        let healthSection = reader.section(top.node("health"), "health", known: ["listen"])
        var health = HealthSettings(listen: .tcp(host: "127.0.0.1", port: 9180))
        if let text = healthSection?.string("listen") {
            if let address = ListenAddress(text) { health.listen = address } else {
                reader.report(healthSection?.node("listen"), "health.listen", "\"\(text)\" is not an address",
                              fix: "write host:port, e.g. 127.0.0.1:9180, or unix:/run/gosgate/health.sock")
            }
        }

        let token = readToken(reader.section(top.node("token"), "token", known: [
            "driver", "module", "reader", "token_label", "token_serial", "key_id", "key_label",
            "certificate", "key_file", "allow_software_key", "pin_credential",
        ]), top, reader)

        let environments = readEnvironments(top.node("environments"), reader)

        let quotaSection = reader.section(top.node("quotas"), "quotas", known: [
            "per_minute", "per_hour", "per_day", "orders_per_service_per_user", "queue_deadline",
        ])
        let quotas = QuotaSettings(
            perMinute: quotaSection?.int("per_minute", default: 2_000, range: 1...1_000_000) ?? 2_000,
            perHour: quotaSection?.int("per_hour", default: 120_000, range: 1...100_000_000) ?? 120_000,
            perDay: quotaSection?.int("per_day", default: 2_880_000, range: 1...1_000_000_000) ?? 2_880_000,
            ordersPerServicePerUser: quotaSection?.int("orders_per_service_per_user", default: 20, range: 1...10_000) ?? 20,
            queueDeadline: quotaSection?.duration("queue_deadline", default: .seconds(30),
                                                  range: .zero ... .seconds(600)) ?? .seconds(30))

        let logSection = reader.section(top.node("log"), "log", known: ["level"])
        let log = LogSettings(level: logSection?.choice("level", default: LogSettings.Level.info) ?? .info)

        return GatewayConfiguration(store: store, admin: admin, gateway: gateway, health: health, token: token,
                                    environments: environments, quotas: quotas, log: log)
    }

    private static func readGateway(_ section: Section?, _ reader: YAMLReader) -> GatewaySettings {
        var listen: [ListenAddress] = [.tcp(host: "127.0.0.1", port: 8080)]
        if let node = section?.node("listen") {
            let items: [Node] = node.sequence.map(Array.init) ?? [node]
            var parsed: [ListenAddress] = []
            for item in items {
                guard let text = item.string, let address = ListenAddress(text) else {
                    reader.report(item, "gateway.listen", "\"\(item.string ?? "?")\" is not an address",
                                  fix: "write host:port (127.0.0.1:8080, [::1]:8080) or unix:/run/gosgate/gateway.sock")
                    continue
                }
                parsed.append(address)
            }
            if !parsed.isEmpty { listen = parsed }
        }
        let settings = GatewaySettings(
            listen: listen,
            tlsCertificate: section?.absolutePath("tls_certificate"),
            tlsKey: section?.absolutePath("tls_key"),
            clientCA: section?.absolutePath("client_ca"),
            // EPGU accepts chunks up to 50 000 000 bytes (research §4.3); leave room for multipart framing.
            maxBodyBytes: section?.bytes("max_body_size", default: 64 << 20, range: 1 << 20 ... 1 << 32) ?? 64 << 20,
            maxHeaderBytes: section?.bytes("max_header_size", default: 32 << 10, range: 1 << 10 ... 1 << 20) ?? 32 << 10,
            headerTimeout: section?.duration("header_timeout", default: .seconds(10),
                                             range: .milliseconds(100) ... .seconds(300)) ?? .seconds(10),
            bodyTimeout: section?.duration("body_timeout", default: .seconds(60),
                                           range: .milliseconds(100) ... .seconds(3600)) ?? .seconds(60),
            maxConcurrentRequests: section?.int("max_concurrent_requests", default: 256, range: 1...100_000) ?? 256,
            // Below the unit's TimeoutStopSec=45s, so the process ends its own calls before systemd kills it.
            shutdownGrace: section?.duration("shutdown_grace", default: .seconds(30),
                                             range: .milliseconds(100) ... .seconds(600)) ?? .seconds(30))
        if (settings.tlsCertificate == nil) != (settings.tlsKey == nil), let section {
            reader.report(section.node, "gateway", "tls_certificate and tls_key must be given together",
                          fix: "set both (TLS listener) or neither (plain HTTP on loopback)")
        }
        if settings.clientCA != nil, settings.tlsCertificate == nil, let section {
            reader.report(section.node("client_ca"), "gateway.client_ca", "mutual TLS needs a server certificate",
                          fix: "also set tls_certificate and tls_key")
        }
        return settings
    }

    private static func readToken(_ section: Section?, _ top: Section, _ reader: YAMLReader) -> TokenSettings {
        let driver = section?.choice("driver", default: TokenDriverKind.pkcs11) ?? .pkcs11
        let settings = TokenSettings(
            driver: driver,
            module: section?.absolutePath("module"),
            reader: section?.string("reader"),
            tokenLabel: section?.string("token_label"),
            tokenSerial: section?.string("token_serial"),
            keyID: section?.string("key_id"),
            keyLabel: section?.string("key_label"),
            certificate: section?.absolutePath("certificate"),
            keyFile: section?.absolutePath("key_file"),
            allowSoftwareKey: section?.bool("allow_software_key", default: false) ?? false,
            pinCredential: section?.string("pin_credential") ?? "gosgate-token-pin")
        if let keyID = settings.keyID, keyID.isEmpty || keyID.count % 2 != 0 || !keyID.allSatisfy(\.isHexDigit) {
            reader.report(section?.node("key_id"), "token.key_id", "\"\(keyID)\" is not hex",
                          fix: "write the CKA_ID as hex digits, as `pkcs11-tool -O` prints it")
        }
        switch driver {
        case .pkcs11 where settings.module == nil:
            reader.report(section?.node ?? top.node, "token.module", "the pkcs11 driver needs a module",
                          fix: "add module: /usr/lib/librtpkcs11ecp.so (or opensc-pkcs11.so)")
        case .file where !settings.allowSoftwareKey:
            reader.report(section?.node("driver"), "token.driver",
                          "the file driver keeps the key on disk and is for test stands only",
                          fix: "use pkcs11 or pcsc, or add allow_software_key: true on a stand")
        case .file where settings.keyFile == nil || settings.certificate == nil:
            reader.report(section?.node, "token", "the file driver needs key_file and certificate",
                          fix: "add key_file: /path/key.pem and certificate: /path/cert.pem")
        default:
            break
        }
        return settings
    }

    private static func readEnvironments(_ node: Node?, _ reader: YAMLReader) -> [String: EnvironmentSettings] {
        guard let node else { return [:] }
        guard let mapping = node.mapping else {
            reader.report(node, "environments", "expected named environments",
                          fix: "write environments:, then test: and/or production: under it")
            return [:]
        }
        var result: [String: EnvironmentSettings] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let keyPath = "environments.\(name)"
            guard let section = reader.section(value, keyPath,
                                               known: ["esia", "epgu", "ca", "epgu_ciphers", "esia_ciphers", "proxy",
                                                       "esia_token_certificates"]) else {
                reader.report(value, keyPath, "empty environment", fix: "add esia: and epgu: origins")
                continue
            }
            let esia = section.origin("esia")
            let epgu = section.origin("epgu")
            var proxy: URL?
            if let text = section.string("proxy") {
                if let url = URL(string: text), url.scheme == "http", url.host != nil { proxy = url } else {
                    reader.report(section.node("proxy"), "\(keyPath).proxy", "\"\(text)\" is not an HTTP proxy URL",
                                  fix: "write http://proxy.example:3128")
                }
            }
            guard let esia, let epgu else { continue }
            result[name] = EnvironmentSettings(
                esia: esia, epgu: epgu, caPath: section.absolutePath("ca"),
                // EPGU's GOST contour names suite 0xFF85 (research §1).
                epguCiphers: section.string("epgu_ciphers") ?? "LEGACY-GOST2012-GOST8912-GOST8912",
                esiaCiphers: section.string("esia_ciphers"), proxy: proxy,
                esiaTokenCertificates: section.absolutePaths("esia_token_certificates"))
        }
        return result
    }
}
