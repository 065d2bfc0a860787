import Foundation
import NIOCore

/// Reads a `multipart/form-data` body as it streams in: the file part goes straight to disk
/// (digested on the way), small text parts (`orderId`, `chunk`, `chunks`, `meta`) are collected.
///
/// Memory use is bounded by one network read plus the boundary length, whatever the file size.
struct MultipartReader {
    /// What the body held.
    struct Form: Sendable {
        /// Text parts by name (the last one wins if a name repeats).
        var fields: [String: String] = [:]
        /// The file part, if there was one.
        var file: UploadedFile?
    }

    private enum State {
        case preamble
        case afterDelimiter
        case headers
        case body
        case epilogue
    }

    private enum PartSink {
        case field(name: String, bytes: [UInt8])
        case file(DigestingFileWriter, fileName: String?)
    }

    /// Largest text part accepted, bytes.
    static let maximumFieldBytes = 1 << 20
    /// Largest header block of one part, bytes.
    static let maximumHeaderBytes = 16 * 1024

    private let delimiter: [UInt8]
    private let firstDelimiter: [UInt8]
    private let filePath: String
    private let maximumFileBytes: Int
    private var state = State.preamble
    private var pending: [UInt8] = []
    private var sink: PartSink?
    private var form = Form()

    /// - Parameters:
    ///   - boundary: from the request's `Content-Type`.
    ///   - filePath: where the file part is written.
    ///   - maximumFileBytes: a larger file part is refused as it streams in.
    init(boundary: String, filePath: String, maximumFileBytes: Int) {
        firstDelimiter = Array("--\(boundary)".utf8)
        delimiter = Array("\r\n--\(boundary)".utf8)
        self.filePath = filePath
        self.maximumFileBytes = maximumFileBytes
    }

    /// The boundary parameter of a `multipart/form-data` content type, or nil for any other type.
    static func boundary(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let parameters = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parameters.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parameters.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Reads the whole body.
    /// - Throws: `EPGUFailure.badRequest` for a malformed body or an oversized part.
    static func read<Body: AsyncSequence>(_ body: Body, boundary: String, filePath: String,
                                          maximumFileBytes: Int) async throws -> Form where Body.Element == ByteBuffer {
        var reader = MultipartReader(boundary: boundary, filePath: filePath, maximumFileBytes: maximumFileBytes)
        do {
            for try await buffer in body {
                try buffer.withUnsafeReadableBytes { try reader.consume($0) }
            }
            return try reader.finish()
        } catch {
            reader.abandon()
            throw error
        }
    }

    private mutating func consume(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        var progress = true
        while progress {
            progress = try step()
        }
    }

    /// Advances the state machine once; false when more input is needed.
    private mutating func step() throws -> Bool {
        switch state {
        case .preamble:
            if let index = Self.find(firstDelimiter, in: pending) {
                pending.removeFirst(index + firstDelimiter.count)
                state = .afterDelimiter
                return true
            }
            let keep = firstDelimiter.count - 1
            if pending.count > keep { pending.removeFirst(pending.count - keep) }
            return false

        case .afterDelimiter:
            // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
            while let first = pending.first, first == 0x20 || first == 0x09 { pending.removeFirst() }
            guard pending.count >= 2 else { return false }
            if pending[0] == 0x2D, pending[1] == 0x2D {
                state = .epilogue
                pending.removeAll()
                return false
            }
            guard pending[0] == 0x0D, pending[1] == 0x0A else {
                throw EPGUFailure.badRequest("multipart body malformed: a boundary is not followed by CRLF")
            }
            pending.removeFirst(2)
            state = .headers
            return true

        case .headers:
            guard let end = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: pending) else {
                if pending.count > Self.maximumHeaderBytes {
                    throw EPGUFailure.badRequest("multipart body malformed: part headers longer than \(Self.maximumHeaderBytes) bytes")
                }
                return false
            }
            let headerText = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeFirst(end + 4)
            try startPart(headers: headerText)
            state = .body
            return true

        case .body:
            if let index = Self.find(delimiter, in: pending) {
                try deliver(count: index)
                pending.removeFirst(delimiter.count)
                try endPart()
                state = .afterDelimiter
                return true
            }
            let safe = pending.count - (delimiter.count - 1)
            if safe > 0 { try deliver(count: safe) }
            return false

        case .epilogue:
            pending.removeAll()
            return false
        }
    }

    private mutating func startPart(headers: String) throws {
        var name: String?
        var fileName: String?
        for line in headers.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                name = Self.parameter("name", in: value)
                fileName = Self.parameter("filename", in: value)
            default:
                continue
            }
        }
        guard let name, !name.isEmpty else {
            throw EPGUFailure.badRequest("multipart body malformed: a part has no Content-Disposition name")
        }
        if name == "file" || fileName != nil {
            guard form.file == nil, name == "file" else {
                throw EPGUFailure.badRequest("only one file part, named \"file\", is accepted (got \"\(name)\")")
            }
            sink = .file(try DigestingFileWriter(path: filePath), fileName: fileName)
        } else {
            sink = .field(name: name, bytes: [])
        }
    }

    /// Hands the first `count` pending bytes to the current part and drops them.
    private mutating func deliver(count: Int) throws {
        guard count > 0 else { return }
        switch sink {
        case .field(let name, var bytes):
            guard bytes.count + count <= Self.maximumFieldBytes else {
                throw EPGUFailure.badRequest("multipart part \"\(name)\" is larger than \(Self.maximumFieldBytes) bytes")
            }
            bytes.append(contentsOf: pending[..<count])
            sink = .field(name: name, bytes: bytes)
        case .file(let writer, _):
            guard writer.size + Int64(count) <= Int64(maximumFileBytes) else {
                throw EPGUFailure.badRequest("the file is larger than \(maximumFileBytes) bytes, the most EPGU accepts here")
            }
            try pending.withUnsafeBytes { try writer.write(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        case nil:
            break
        }
        pending.removeFirst(count)
    }

    private mutating func endPart() throws {
        switch sink {
        case .field(let name, let bytes):
            form.fields[name] = String(decoding: bytes, as: UTF8.self)
        case .file(let writer, let fileName):
            form.file = try writer.finish(fileName: fileName)
        case nil:
            break
        }
        sink = nil
    }

    private mutating func finish() throws -> Form {
        guard case .epilogue = state else {
            throw EPGUFailure.badRequest("multipart body malformed: it ends before the closing boundary")
        }
        return form
    }

    /// Removes a partly written file after a failure.
    private mutating func abandon() {
        if case .file = sink { try? FileManager.default.removeItem(atPath: filePath) }
        if form.file != nil { try? FileManager.default.removeItem(atPath: filePath) }
        sink = nil
    }

    /// A `name="value"` (or unquoted) parameter of a header value.
    private static func parameter(_ wanted: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == wanted else { continue }
            var text = pair[1]
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return text
        }
        return nil
    }

    /// Index of the first occurrence of `needle` in `haystack` (memchr for the first byte, then memcmp).
    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count, let first = needle.first else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                guard let start = hay.baseAddress, let patternStart = pattern.baseAddress else { return nil }
                var offset = 0
                let last = hay.count - pattern.count
                while offset <= last {
                    guard let hit = memchr(start + offset, Int32(first), last - offset + 1) else { return nil }
                    let index = UnsafeRawPointer(hit) - start
                    if memcmp(start + index, patternStart, pattern.count) == 0 { return index }
                    offset = index + 1
                }
                return nil
            }
        }
    }
}
