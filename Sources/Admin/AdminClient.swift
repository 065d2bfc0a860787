#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `gosgatectl`'s side of the admin socket: one HTTP/1.1 request per connection, blocking, with a
/// deadline. Answers with `Content-Length` or chunked bodies; chunked ones can be consumed as they
/// arrive (`audit export`).
public struct AdminClient: Sendable {
    /// An answer: status, lowercased headers, body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data

        /// The body as `T`.
        public func decode<T: Decodable>(_ type: T.Type) throws(AdminClientError) -> T {
            do {
                return try AdminJSON.decoder().decode(type, from: body)
            } catch {
                throw .malformedResponse("the \(type) in the answer does not decode: \(error)")
            }
        }

        /// The `{code, message}` of a refused call.
        public var error: AdminErrorBody? {
            status >= 400 ? try? AdminJSON.decoder().decode(AdminErrorBody.self, from: body) : nil
        }
    }

    public static let defaultSocketPath = "/run/gosgate/admin.sock"

    public let socketPath: String
    /// Longest wait for an answer.
    public let timeout: Int

    public init(socketPath: String = AdminClient.defaultSocketPath, timeout: Int = 120) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Sends one request and returns the whole answer.
    public func send(_ method: String, _ path: String, body: Data? = nil) throws(AdminClientError) -> Response {
        var collected = Data()
        let head = try exchange(method, path, body: body) { collected.append($0) }
        return Response(status: head.status, headers: head.headers, body: collected)
    }

    /// Sends `body` encoded as JSON.
    public func send<T: Encodable>(_ method: String, _ path: String, json: T) throws(AdminClientError) -> Response {
        let data: Data
        do {
            data = try AdminJSON.encoder().encode(json)
        } catch {
            throw .malformedResponse("the request could not be encoded: \(error)")
        }
        return try send(method, path, body: data)
    }

    /// Sends one request, tells `onHead` the status and headers, then hands the body to `onBody`
    /// piece by piece as it arrives.
    /// - Returns: status and headers.
    @discardableResult
    public func exchange(_ method: String, _ path: String, body: Data? = nil,
                         onHead: (Int, [String: String]) -> Void = { _, _ in },
                         onBody: (Data) throws(AdminClientError) -> Void) throws(AdminClientError)
        -> (status: Int, headers: [String: String]) {
        let connection = try Connection(path: socketPath, timeout: timeout)
        defer { connection.close() }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: gosgate\r\nUser-Agent: gosgatectl\r\n"
        request += "Accept: application/json\r\nConnection: close\r\n"
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        request += "\r\n"
        try connection.write(Data(request.utf8) + (body ?? Data()))

        let statusLine = try connection.readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .malformedResponse("status line \"\(statusLine.prefix(80))\"")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try connection.readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw .malformedResponse("header line \"\(line.prefix(80))\"") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        onHead(status, headers)
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let sizeLine = try connection.readLine()
                guard let size = Int(sizeLine.split(separator: ";")[0].trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw .malformedResponse("chunk size \"\(sizeLine.prefix(20))\"")
                }
                if size == 0 {
                    _ = try connection.readLine()
                    break
                }
                try onBody(try connection.read(exactly: size))
                guard try connection.readLine().isEmpty else { throw .malformedResponse("chunk not followed by CRLF") }
            }
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            if length > 0 { try onBody(try connection.read(exactly: length)) }
        } else {
            while let piece = try connection.readAvailable() { try onBody(piece) }
        }
        return (status, headers)
    }

    /// A connected socket with a read buffer.
    private final class Connection {
        private let descriptor: Int32
        private let path: String
        private let timeout: Int
        private var buffer = Data()

        init(path: String, timeout: Int) throws(AdminClientError) {
            self.path = path
            self.timeout = timeout
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw .connectFailed(path: path, reason: String(cString: strerror(errno))) }
            var limit = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                Glibc.close(descriptor)
                throw .connectFailed(path: path, reason: "the path is too long for a Unix socket")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard status == 0 else {
                let code = errno
                Glibc.close(descriptor)
                switch code {
                case ENOENT, ENOTDIR: throw .socketMissing(path: path)
                case EACCES, EPERM: throw .permissionDenied(path: path)
                case ECONNREFUSED: throw .notListening(path: path)
                default: throw .connectFailed(path: path, reason: String(cString: strerror(code)))
                }
            }
        }

        func close() { Glibc.close(descriptor) }

        func write(_ data: Data) throws(AdminClientError) {
            var offset = 0
            while offset < data.count {
                let written = data.withUnsafeBytes { raw in
                    Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure(errno)
                }
                offset += written
            }
        }

        /// One line without its CRLF.
        func readLine() throws(AdminClientError) -> String {
            while true {
                if let end = buffer.firstRange(of: Data("\r\n".utf8)) {
                    let line = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex..<end.upperBound)
                    return line
                }
                guard buffer.count < 64 * 1024 else { throw .malformedResponse("a header line longer than 64 KiB") }
                guard try fill() else { throw .malformedResponse("the connection closed mid-answer") }
            }
        }

        func read(exactly count: Int) throws(AdminClientError) -> Data {
            while buffer.count < count {
                guard try fill() else { throw .malformedResponse("the connection closed mid-answer") }
            }
            let piece = buffer.prefix(count)
            buffer.removeFirst(count)
            return Data(piece)
        }

        /// Whatever arrives next; nil at the end of the stream.
        func readAvailable() throws(AdminClientError) -> Data? {
            if buffer.isEmpty, try !fill() { return nil }
            defer { buffer.removeAll() }
            return buffer
        }

        private func fill() throws(AdminClientError) -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = recv(descriptor, &chunk, chunk.count, 0)
                if count > 0 {
                    buffer.append(contentsOf: chunk[0..<count])
                    return true
                }
                if count == 0 { return false }
                if errno == EINTR { continue }
                throw failure(errno)
            }
        }

        private func failure(_ code: Int32) -> AdminClientError {
            code == EAGAIN || code == EWOULDBLOCK ? .timedOut(seconds: timeout)
                : .connectFailed(path: path, reason: String(cString: strerror(code)))
        }
    }
}
