import Config
import Foundation
import Testing

@Suite struct ConfigurationLoaderTests {
    /// The shipped example must always be valid: operators copy it.
    @Test func shippedExampleIsValid() throws {
        let example = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("etc/gosgate.example.yaml").path
        let configuration = try ConfigurationLoader.load(path: example)
        #expect(configuration.environments["test"]?.epgu.host == "svcdev-gostapi.test.gosuslugi.ru")
        #expect(configuration.environments["production"]?.esia.host == "esia.gosuslugi.ru")
        #expect(configuration.token.driver == .pkcs11)
    }

    @Test func defaultsApplyToAMinimalFile() throws {
        let configuration = try ConfigurationLoader.parse("""
        token:
          module: /usr/lib/librtpkcs11ecp.so
        """)
        #expect(configuration.gateway.listen == [.tcp(host: "127.0.0.1", port: 8080)])
        #expect(configuration.gateway.maxBodyBytes == 64 << 20)
        #expect(configuration.quotas.perMinute == 2_000)
        #expect(configuration.quotas.ordersPerServicePerUser == 20)
        #expect(configuration.store.path == "/var/lib/gosgate/gosgate.sqlite")
    }

    @Test func everyProblemIsReportedWithItsLine() {
        let text = """
        store:
          path: relative/db.sqlite
        gateway:
          listen: ["127.0.0.1:99999"]
          max_body_size: lots
        token:
          driver: pkcs12
          modul: /usr/lib/x.so
        quotas:
          per_minute: -5
        """
        do {
            _ = try ConfigurationLoader.parse(text, path: "test.yaml")
            Issue.record("a broken file was accepted")
        } catch {
            guard case .invalid(_, let issues) = error else { Issue.record("\(error)"); return }
            let byKey = Dictionary(issues.map { ($0.keyPath, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byKey["store.path"]?.line == 2)
            #expect(byKey["gateway.listen"]?.line == 4)
            #expect(byKey["gateway.max_body_size"]?.line == 5)
            #expect(byKey["token.driver"]?.line == 7)
            #expect(byKey["token.driver"]?.fix.contains("pkcs11, pcsc, file") == true)
            #expect(byKey["token.modul"]?.line == 8)
            #expect(byKey["token.modul"]?.fix == "did you mean \"module\"?")
            #expect(byKey["quotas.per_minute"]?.line == 10)
            // Lines come out in file order so the operator can work down the file.
            #expect(issues.map(\.line) == issues.map(\.line).sorted())
        }
    }

    @Test func syntaxErrorsPointAtTheLine() {
        do {
            _ = try ConfigurationLoader.parse("store:\n  path: /a\n bad indent: [\n", path: "x.yaml")
            Issue.record("invalid YAML accepted")
        } catch {
            guard case .invalid(_, let issues) = error else { Issue.record("\(error)"); return }
            #expect(issues.count == 1)
            #expect(issues[0].line >= 3)
            #expect(issues[0].problem.hasPrefix("YAML syntax"))
        }
    }

    @Test func softwareKeyNeedsExplicitConsent() {
        let text = """
        token:
          driver: file
          key_file: /etc/gosgate/stand.key
          certificate: /etc/gosgate/stand.pem
        """
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse(text) }
        let allowed = try? ConfigurationLoader.parse(text + "\n  allow_software_key: true\n")
        #expect(allowed?.token.driver == .file)
    }

    @Test func missingFileSaysWhatToDo() {
        do {
            _ = try ConfigurationLoader.load(path: "/nonexistent/gosgate.yaml")
            Issue.record("missing file accepted")
        } catch {
            #expect("\(error)".contains("gosgate.example.yaml"))
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8080", ListenAddress.tcp(host: "127.0.0.1", port: 8080)),
        ("[::1]:8443", ListenAddress.tcp(host: "::1", port: 8443)),
        ("unix:/run/gosgate/gw.sock", ListenAddress.unix(path: "/run/gosgate/gw.sock")),
    ])
    func listenAddressesParse(text: String, expected: ListenAddress) {
        #expect(ListenAddress(text) == expected)
        #expect(ListenAddress(text)?.description == text)
    }

    @Test(arguments: ["8080", "host:", ":80", "unix:relative", "h:-1", "h:70000"])
    func badListenAddressesAreRejected(text: String) {
        #expect(ListenAddress(text) == nil)
    }

    @Test func esiaTokenCertificatesTakeOnePathOrAList() throws {
        let configuration = try ConfigurationLoader.parse("""
        token:
          module: /usr/lib/librtpkcs11ecp.so
        environments:
          test:
            esia: https://esia-portal1.test.gosuslugi.ru
            epgu: https://svcdev-gostapi.test.gosuslugi.ru
            esia_token_certificates: /etc/gosgate/esia/test
          production:
            esia: https://esia.gosuslugi.ru
            epgu: https://www.gosuslugi.ru
            esia_token_certificates:
              - /etc/gosgate/esia/RSA_PROD_2025.cer
              - /etc/gosgate/esia/GOST_PROD_25_26.cer
          stand:
            esia: http://127.0.0.1:7443
            epgu: http://127.0.0.1:7443
        """)
        #expect(configuration.environments["test"]?.esiaTokenCertificates == ["/etc/gosgate/esia/test"])
        #expect(configuration.environments["production"]?.esiaTokenCertificates
            == ["/etc/gosgate/esia/RSA_PROD_2025.cer", "/etc/gosgate/esia/GOST_PROD_25_26.cer"])
        // Unset means tokens are read without verification, as before.
        #expect(configuration.environments["stand"]?.esiaTokenCertificates == [])
    }

    @Test func badESIATokenCertificatesAreReportedAtTheirLine() {
        let text = """
        token:
          module: /usr/lib/librtpkcs11ecp.so
        environments:
          test:
            esia: https://esia-portal1.test.gosuslugi.ru
            epgu: https://svcdev-gostapi.test.gosuslugi.ru
            esia_token_certificates:
              - /etc/gosgate/esia/ok.cer
              - esia/relative.cer
          production:
            esia: https://esia.gosuslugi.ru
            epgu: https://www.gosuslugi.ru
            esia_token_certificates: []
        """
        do {
            _ = try ConfigurationLoader.parse(text, path: "test.yaml")
            Issue.record("relative and empty certificate lists were accepted")
        } catch {
            guard case .invalid(_, let issues) = error else { Issue.record("\(error)"); return }
            #expect(issues.count == 2, "\(issues)")
            let relative = issues.first { $0.keyPath == "environments.test.esia_token_certificates" }
            #expect(relative?.line == 9)
            #expect(relative?.problem.contains("esia/relative.cer") == true)
            let empty = issues.first { $0.keyPath == "environments.production.esia_token_certificates" }
            #expect(empty?.line == 13)
            #expect(empty?.problem == "the list is empty")
        }
    }
}
