import Foundation
import Systemd
import TestSupport
import Testing

/// Reading `$CREDENTIALS_DIRECTORY`, including a PIN enrolled the way docs/install.md says:
/// `systemd-creds encrypt`, which systemd decrypts into the directory at start.
@Suite struct CredentialStoreTests {
    @Test func aPinEncryptedWithSystemdCredsReadsBackAsText() throws {
        let tool = "/usr/bin/systemd-creds"
        try #require(FileManager.default.isExecutableFile(atPath: tool), "systemd-creds is part of the systemd package")
        let work = try TemporaryDirectory(prefix: "gosgate-creds")
        defer { work.remove() }
        let credentials = work.path("credentials")
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try Data("271828\n".utf8).write(to: URL(fileURLWithPath: work.path("pin")))
        // A private host key, so the machine's /var/lib/systemd/credential.secret is not created.
        let environment = ["SYSTEMD_CREDENTIAL_SECRET": work.path("host.secret"), "PATH": "/usr/bin:/bin"]
        try Self.run(tool, ["encrypt", "--with-key=host", "--name=gosgate-token-pin", work.path("pin"), work.path("pin.cred")],
                     environment: environment)
        let sealed = try Data(contentsOf: URL(fileURLWithPath: work.path("pin.cred")))
        #expect(!String(decoding: sealed, as: UTF8.self).contains("271828"))
        // What the service manager does before ExecStart: decrypt into the credentials directory.
        try Self.run(tool, ["decrypt", "--name=gosgate-token-pin", work.path("pin.cred"), credentials + "/gosgate-token-pin"],
                     environment: environment)

        let store = CredentialStore(environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(store.contains("gosgate-token-pin"))
        let credential = try store.read("gosgate-token-pin")
        #expect(try credential.text() == "271828")
        #expect(credential.bytes == Array("271828\n".utf8))
        #expect(!"\(credential)".contains("271828"))
        #expect(!String(reflecting: credential).contains("271828"))
    }

    @Test func missingPiecesAreTypedErrorsThatSayWhatToDo() throws {
        let work = try TemporaryDirectory(prefix: "gosgate-creds")
        defer { work.remove() }

        #expect(throws: CredentialError.noCredentialsDirectory(name: "gosgate-token-pin")) {
            try CredentialStore(environment: [:]).read("gosgate-token-pin")
        }
        let store = CredentialStore(directory: work.url.path)
        #expect(!store.contains("gosgate-token-pin"))
        #expect(throws: CredentialError.missing(name: "gosgate-token-pin", directory: work.url.path)) {
            try store.read("gosgate-token-pin")
        }
        #expect("\(CredentialError.missing(name: "gosgate-token-pin", directory: "/run/credentials/gosgate.service"))"
            .contains("systemd-creds encrypt"))
        #expect(throws: CredentialError.invalidName("../etc/shadow")) { try store.read("../etc/shadow") }
        #expect(throws: CredentialError.invalidName("")) { try store.read("") }

        _ = FileManager.default.createFile(atPath: work.path("empty"), contents: Data())
        #expect(throws: CredentialError.empty(name: "empty")) { try store.read("empty") }
        _ = FileManager.default.createFile(atPath: work.path("newline"), contents: Data("\n".utf8))
        #expect(throws: CredentialError.empty(name: "newline")) { try store.read("newline").text() }
        _ = FileManager.default.createFile(atPath: work.path("binary"), contents: Data([0xff, 0xfe, 0x00]))
        #expect(throws: CredentialError.notText(name: "binary")) { try store.read("binary").text() }
        _ = FileManager.default.createFile(atPath: work.path("huge"), contents: Data(count: 1024 * 1024 + 1))
        #expect(throws: CredentialError.tooLarge(name: "huge")) { try store.read("huge") }
    }

    @Test func errorsNeverCarryTheContent() throws {
        let work = try TemporaryDirectory(prefix: "gosgate-creds")
        defer { work.remove() }
        _ = FileManager.default.createFile(atPath: work.path("pin"), contents: Data([0x31, 0x32, 0xff, 0x33]))
        do {
            _ = try CredentialStore(directory: work.url.path).read("pin").text()
            Issue.record("binary content must not read as text")
        } catch {
            #expect(!"\(error)".contains("12"))
        }
    }

    static func run(_ tool: String, _ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ListenerFailure("\(tool) \(arguments.joined(separator: " ")): \(message)")
        }
    }
}
