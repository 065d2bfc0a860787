#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reads secrets (the token PIN, an API-KEY) from a file or from the terminal without echo.
/// Never prompts when standard input is not a terminal: scripts pass a file (or `-` for stdin).
enum SecretInput {
    /// Why no secret could be read.
    enum Failure: Error, CustomStringConvertible {
        case notATerminal(what: String, option: String)
        case unreadable(path: String, reason: String)
        case empty(what: String)
        case cancelled

        var description: String {
            switch self {
            case .notATerminal(let what, let option):
                return "no \(what): standard input is not a terminal, so there is no prompt; pass \(option) FILE (or - to read standard input)"
            case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
            case .empty(let what): return "the \(what) is empty"
            case .cancelled: return "cancelled"
            }
        }
    }

    /// The secret from `file` (`-` is standard input) or, without a file, from a no-echo prompt.
    static func read(_ what: String, file: String?, option: String) throws(Failure) -> String {
        var bytes: [UInt8]
        if let file {
            bytes = try contents(of: file)
        } else {
            guard isatty(STDIN_FILENO) == 1 else { throw .notATerminal(what: what, option: option) }
            bytes = try prompt("\(what.prefix(1).uppercased() + what.dropFirst()): ")
        }
        defer { for index in bytes.indices { bytes[index] = 0 } }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw .empty(what: what) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func contents(of path: String) throws(Failure) -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        do {
            return Array(try handle.readToEnd() ?? Data())
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Reads one line from the terminal with echo and signals off (Ctrl-C cancels and the terminal
    /// is restored either way).
    private static func prompt(_ text: String) throws(Failure) -> [UInt8] {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO | ISIG)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer {
            if haveTerminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(STDIN_FILENO, &byte, 1) == 1 {
            switch byte {
            case 0x0A, 0x0D: return line
            case 0x03, 0x04:
                for index in line.indices { line[index] = 0 }
                throw .cancelled
            case 0x7F, 0x08:
                if !line.isEmpty { line[line.count - 1] = 0; line.removeLast() }
            default: line.append(byte)
            }
        }
        return line
    }
}
