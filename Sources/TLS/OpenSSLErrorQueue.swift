import COpenSSL

/// Reads OpenSSL's thread-local error queue, which every failing call leaves its reasons in.
enum OpenSSLErrorQueue {
    /// One recorded error: the packed code and OpenSSL's text for it.
    struct Entry {
        let code: UInt
        let text: String

        /// The `SSL_R_*` / `X509_R_*` reason number.
        var reason: Int32 { ERR_GET_REASON(code) }
    }

    /// Removes and returns every queued error, oldest first.
    static func take() -> [Entry] {
        var entries: [Entry] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let text = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
                ERR_error_string_n(code, buffer.baseAddress, buffer.count)
                return String(cString: buffer.baseAddress!)
            }
            entries.append(Entry(code: code, text: text))
        }
        return entries
    }

    /// The queue as one line, for messages.
    static func drain() -> String {
        let entries = take()
        return entries.isEmpty ? "no OpenSSL error recorded" : entries.map(\.text).joined(separator: "; ")
    }
}
