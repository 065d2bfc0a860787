import COpenSSL

/// Reads and clears OpenSSL's thread-local error queue.
enum OpenSSLError {
    /// Drains the error queue into one line, most recent reason last; empty queue gives a fixed text.
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "no OpenSSL error recorded" : reasons.joined(separator: "; ")
    }

    /// Clears the queue without reporting (after an expected, handled failure).
    static func clear() {
        ERR_clear_error()
    }
}
