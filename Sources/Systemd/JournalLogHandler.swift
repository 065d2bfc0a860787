import Foundation
import Logging

/// A swift-log handler that writes structured entries to the systemd journal.
///
/// Each entry carries `MESSAGE`, `PRIORITY`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`,
/// `SYSLOG_IDENTIFIER` and `LOGGER` (the logger's label), plus every metadata key as a field of its
/// own, upper-cased: `request_id` → `REQUEST_ID`, and likewise `CLIENT`, `IDENTITY`, `ROUTE`,
/// `STATUS`, `DURATION_US`. A `message_id` key becomes the journal's `MESSAGE_ID` (see
/// `JournalMessageID`). `journalctl -o json` shows every field; `journalctl REQUEST_ID=…` filters.
///
/// When no journald listens on the socket (a container, a developer's shell) the entry goes to
/// standard error as one line instead, so nothing is lost.
///
/// Never put tokens, PINs, API keys or signatures in messages or metadata: the journal keeps them.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// The logger's label, sent as `LOGGER`.
    public let label: String
    /// Where journald listens for native-protocol datagrams.
    public static let defaultSocketPath = "/run/systemd/journal/socket"
    /// Sent as `SYSLOG_IDENTIFIER`; `journalctl -t` filters on it.
    public let syslogIdentifier: String
    private let transport: JournalTransport

    /// Fields the handler sets itself; metadata keys that would collide get a `META_` prefix.
    private static let ownFields: Set<String> = [
        "MESSAGE", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "SYSLOG_IDENTIFIER", "LOGGER",
    ]

    /// A handler for `label`.
    /// - Parameters:
    ///   - syslogIdentifier: the program name the journal shows; defaults to this executable's name.
    ///   - socketPath: journald's native socket; tests point it at a socket of their own.
    ///   - fallbackDescriptor: where text lines go when journald does not take an entry.
    public init(label: String, syslogIdentifier: String? = nil,
                socketPath: String = JournalLogHandler.defaultSocketPath,
                fallbackDescriptor: CInt = STDERR_FILENO,
                metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.syslogIdentifier = syslogIdentifier
            ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "gosgate"
        self.metadataProvider = metadataProvider
        self.transport = JournalTransport(socketPath: socketPath, fallbackDescriptor: fallbackDescriptor)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let given = event.metadata { merged.merge(given) { _, new in new } }

        var entry = JournalEntry()
        entry.append("MESSAGE", event.message.description)
        entry.append("PRIORITY", String(Self.priority(event.level)))
        entry.append("CODE_FILE", event.file)
        entry.append("CODE_LINE", String(event.line))
        entry.append("CODE_FUNC", event.function)
        entry.append("SYSLOG_IDENTIFIER", syslogIdentifier)
        entry.append("LOGGER", label)
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            guard var name = JournalFieldName.forMetadataKey(key) else { continue }
            if Self.ownFields.contains(name) { name = "META_" + name }
            entry.append(name, Self.text(value))
        }
        if let error = event.error, !entry.contains("ERROR") {
            entry.append("ERROR", String(describing: error))
        }
        if !transport.send(entry.encoded()) {
            transport.writeFallback(Self.line(event: event, label: label, metadata: merged))
        }
    }

    /// syslog priorities, as journald and `journalctl -p` use them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        default: return value.description
        }
    }

    private static func line(event: LogEvent, label: String, metadata: Logger.Metadata) -> String {
        let timestamp = Date().formatted(.iso8601)
        var line = "\(timestamp) \(event.level) \(label): \(event.message)"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(text(value))"
        }
        if let error = event.error, metadata["error"] == nil { line += " error=\(error)" }
        return line
    }
}
