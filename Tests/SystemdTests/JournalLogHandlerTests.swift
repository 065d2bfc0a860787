import Foundation
import Logging
import Systemd
import TestSupport
import Testing

/// The journald handler: the native protocol against a fake journal socket, and the same entries
/// read back with `journalctl -o json` from a private journald instance where one can run.
@Suite struct JournalLogHandlerTests {
    static let requestMetadata: Logger.Metadata = [
        "request_id": "01HZX3R8K2", "client": "erp", "identity": "org-1027700132195", "route": "gusmev-order",
        "status": "200", "duration_us": "48211", "message_id": .string(JournalMessageID.tokenAcquired),
    ]

    @Test func entriesCarryStructuredFieldsInTheNativeProtocol() async throws {
        let listener = try DatagramListener()
        var logger = Logger(label: "gosgate.gateway") {
            JournalLogHandler(label: $0, syslogIdentifier: "gosgated", socketPath: listener.path, metadataProvider: nil)
        }
        logger[metadataKey: "instance"] = "box-1"
        logger.info("proxied request", metadata: Self.requestMetadata); let line = #line

        let datagram = try #require(await listener.receive())
        #expect(datagram.senderPID == getpid())
        let entry = try #require(JournalNativeEntry(datagram.bytes))
        #expect(entry["MESSAGE"] == "proxied request")
        #expect(entry["PRIORITY"] == "6")
        #expect(entry["SYSLOG_IDENTIFIER"] == "gosgated")
        #expect(entry["LOGGER"] == "gosgate.gateway")
        #expect(entry["CODE_FILE"]?.hasSuffix("JournalLogHandlerTests.swift") == true)
        #expect(entry["CODE_LINE"] == String(line))
        #expect(entry["CODE_FUNC"]?.hasPrefix("entriesCarryStructuredFieldsInTheNativeProtocol") == true)
        #expect(entry["REQUEST_ID"] == "01HZX3R8K2")
        #expect(entry["CLIENT"] == "erp")
        #expect(entry["IDENTITY"] == "org-1027700132195")
        #expect(entry["ROUTE"] == "gusmev-order")
        #expect(entry["STATUS"] == "200")
        #expect(entry["DURATION_US"] == "48211")
        #expect(entry["MESSAGE_ID"] == JournalMessageID.tokenAcquired)
        #expect(entry["INSTANCE"] == "box-1")
    }

    @Test func levelsMapToSyslogPrioritiesAndOddKeysBecomeValidFieldNames() async throws {
        let listener = try DatagramListener()
        var logger = Logger(label: "t") { JournalLogHandler(label: $0, socketPath: listener.path, metadataProvider: nil) }
        logger.logLevel = .trace
        let expected: [(Logger.Level, String)] = [
            (.trace, "7"), (.debug, "7"), (.info, "6"), (.notice, "5"), (.warning, "4"), (.error, "3"), (.critical, "2"),
        ]
        for (level, priority) in expected {
            logger.log(level: level, "level \(level)")
            let entry = try await Self.nextEntry(listener)
            #expect(entry["PRIORITY"] == priority, "\(level)")
        }

        logger.info("keys", metadata: ["upstream-status": "502", "_trusted": "x", "9lives": "y", "message": "clash", "€": "gone"])
        let entry = try await Self.nextEntry(listener)
        #expect(entry["UPSTREAM_STATUS"] == "502")
        #expect(entry["TRUSTED"] == "x")
        #expect(entry["F_9LIVES"] == "y")
        #expect(entry["MESSAGE"] == "keys")
        #expect(entry["META_MESSAGE"] == "clash")
        #expect(entry.fields.keys.allSatisfy { name in
            name.first?.isLetter == true && name.count <= 64
                && name.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }
        })
    }

    @Test func multiLineValuesUseTheLengthPrefixedForm() async throws {
        let listener = try DatagramListener()
        let logger = Logger(label: "t") { JournalLogHandler(label: $0, socketPath: listener.path, metadataProvider: nil) }
        logger.error("upstream said:\nline two\nline=three", metadata: ["body": "a\nb"])
        let datagram = try #require(await listener.receive())
        // A value with a newline goes length-prefixed: the name, a newline, 8 bytes of length.
        #expect(datagram.bytes.starts(with: Array("MESSAGE\n".utf8)))
        let entry = try #require(JournalNativeEntry(datagram.bytes))
        #expect(entry["MESSAGE"] == "upstream said:\nline two\nline=three")
        #expect(entry["BODY"] == "a\nb")
        #expect(entry["LINE"] == nil)
    }

    @Test func withoutAJournalEntriesBecomeTextLinesOnTheFallbackDescriptor() async throws {
        var pipeEnds: [CInt] = [0, 0]
        try #require(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]) }
        do {
            defer { close(pipeEnds[1]) }
            let logger = Logger(label: "gosgate.admin") {
                JournalLogHandler(label: $0, socketPath: "/nonexistent-gosgate/journal/socket",
                                  fallbackDescriptor: pipeEnds[1], metadataProvider: nil)
            }
            logger.warning("token absent", metadata: ["reader": "Rutoken ECP"])
        }
        let output = FileHandle(fileDescriptor: pipeEnds[0], closeOnDealloc: false).readDataToEndOfFile()
        let line = String(decoding: output, as: UTF8.self)
        #expect(line.hasSuffix(" warning gosgate.admin: token absent reader=Rutoken ECP\n"))
    }

    static func nextEntry(_ listener: DatagramListener) async throws -> JournalNativeEntry {
        let datagram = try #require(await listener.receive())
        return try #require(JournalNativeEntry(datagram.bytes))
    }

    @Test(.enabled(if: PrivateJournal.isAvailable, "needs root and systemd-journald"))
    func aRealJournaldStoresTheFieldsAndJournalctlReadsThemBack() async throws {
        let journal = try await PrivateJournal.start()
        defer { journal.stop() }
        let marker = UUID().uuidString
        let logger = Logger(label: "gosgate.gateway") {
            JournalLogHandler(label: $0, syslogIdentifier: "gosgated", socketPath: journal.socketPath, metadataProvider: nil)
        }
        var metadata = Self.requestMetadata
        metadata["request_id"] = .string(marker)
        logger.notice("token obtained\nfor org-1027700132195", metadata: metadata)
        // Larger than a datagram may be: goes over a sealed memfd, as sd_journal_sendv does.
        let large = String(repeating: "0123456789abcdef", count: 40_000)
        logger.info("large body", metadata: ["request_id": .string(marker), "body": .string(large)])

        let entries = try await journal.entries(matching: "REQUEST_ID=\(marker)", count: 2)
        let token = try #require(entries.first { $0["MESSAGE_ID"] as? String == JournalMessageID.tokenAcquired })
        #expect(token["MESSAGE"] as? String == "token obtained\nfor org-1027700132195")
        #expect(token["PRIORITY"] as? String == "5")
        #expect(token["SYSLOG_IDENTIFIER"] as? String == "gosgated")
        #expect(token["CLIENT"] as? String == "erp")
        #expect(token["IDENTITY"] as? String == "org-1027700132195")
        #expect(token["ROUTE"] as? String == "gusmev-order")
        #expect(token["STATUS"] as? String == "200")
        #expect(token["DURATION_US"] as? String == "48211")
        #expect(token["_PID"] as? String == String(getpid()))
        #expect(token["_TRANSPORT"] as? String == "journal")
        let body = try #require(entries.first { $0["MESSAGE"] as? String == "large body" })
        #expect(body["BODY"] as? String == large)
    }
}
