import Foundation

/// The virtual card's log on standard error: connection events and one line per APDU.
///
/// APDU lines carry the command's name, parameters and status word, never the data of a VERIFY, so
/// a captured log can be searched for the PIN and must not find it.
struct CardLog: Sendable {
    let logsAPDUs: Bool

    func event(_ message: String) {
        write("\(message)")
    }

    func apdu(_ summary: String, statusWord: String) {
        guard logsAPDUs else { return }
        write("APDU \(summary) -> \(statusWord)")
    }

    private func write(_ line: String) {
        let stamp = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
        FileHandle.standardError.write(Data("gosgate-vcard \(stamp) \(line)\n".utf8))
    }
}
