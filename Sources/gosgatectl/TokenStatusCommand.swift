import Admin
import ArgumentParser

/// `gosgatectl token status`.
struct TokenStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the token: presence, PIN state and retries left, certificate, readers."
    )

    @OptionGroup var options: AdminOptions

    func run() throws {
        let console = options.console
        let token = try console.call("GET", "/v1/token", as: TokenReport.self)
        console.emit(token) { Self.render(token).joined(separator: "\n") }
    }

    /// The token in a few lines (also part of `status`).
    static func render(_ token: TokenReport) -> [String] {
        var lines: [String] = []
        var state = ["driver \(token.driver)"]
        if token.opened {
            state.append(token.present ? "present" : "NOT PRESENT")
            state.append(token.loggedIn ? "logged in" : "not logged in")
        } else {
            state.append("signer not opened yet")
        }
        state.append("PIN \(token.pinState)" + (token.pinCounter.map { " (\($0))" } ?? ""))
        lines.append(state.joined(separator: ", "))
        let device = [token.model, token.label.map { "label \($0)" }, token.serial.map { "serial \($0)" },
                      token.reader.map { "in \"\($0)\"" }].compactMap { $0 }
        if !device.isEmpty { lines.append(device.joined(separator: ", ")) }
        if let subject = token.certificateSubject {
            lines.append("certificate \(subject), valid until \(HumanFormat.time(token.certificateNotAfter))")
        }
        if token.opened { lines.append("\(token.signatures) signatures since the signer opened") }
        for warning in token.warnings { lines.append("warning: \(warning)") }
        if let error = token.lastError { lines.append("last error (\(token.lastErrorCode ?? "-")): \(error)") }
        if let readers = token.readers {
            if readers.isEmpty { lines.append("PC/SC: no readers") }
            for reader in readers {
                lines.append("reader \"\(reader.name)\": " + (reader.cardPresent ? "card \(reader.cardName ?? "present")" : "empty"))
            }
        }
        if let error = token.readersError { lines.append("PC/SC: \(error)") }
        return lines
    }
}
