import Foundation
import Logging
import Synchronization

/// A swift-log handler that keeps every message and its metadata in memory, so a test can search
/// all log output the token layer produced (for example for a PIN that must never appear).
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger writing into this capture.
    func logger(_ label: String = "gosgate.token.test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let sink: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.append("\(event.level) \(event.message) \(merged)")
        }
    }
}
