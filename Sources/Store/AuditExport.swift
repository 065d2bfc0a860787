import Foundation
import GOST

/// The audit chain as JSON Lines, for auditors who check it offline with `gosgatectl audit verify
/// --file`: a header (format, version, first record and the hash it chains from), one line per
/// record with every hashed field exactly as stored, and a trailer with the count and head hash.
///
/// A missing trailer means the file was cut short; a head hash that differs from the one the live
/// gateway reports (`gosgatectl status`) means the file is not the chain the gateway holds.
public enum AuditExport {
    /// `format` of the header line.
    public static let format = "gosgate-audit"
    /// Version of this layout.
    public static let version = 1

    /// First line.
    public struct Header: Codable, Sendable, Equatable {
        public var type = "header"
        public var format = AuditExport.format
        public var version = AuditExport.version
        public var exportedAt: String
        /// The `--since` bound, when the export does not start at record 1.
        public var since: String?
        public var firstSeq: Int64
        /// Hex hash the first record chains from (32 zero bytes for record 1).
        public var anchorHash: String

        enum CodingKeys: String, CodingKey {
            case type, format, version, since
            case exportedAt = "exported_at"
            case firstSeq = "first_seq"
            case anchorHash = "anchor_hash"
        }
    }

    /// One record.
    public struct Entry: Codable, Sendable, Equatable {
        public var type = "record"
        public var seq: Int64
        /// ISO 8601 UTC with milliseconds, for people.
        public var at: String
        /// Milliseconds since the epoch: what the hash covers.
        public var atMilliseconds: Int64
        public var kind: String
        public var actor: String
        public var subject: String
        /// The detail JSON exactly as stored (the hash covers these bytes).
        public var detail: String
        public var prevHash: String
        public var hash: String

        enum CodingKeys: String, CodingKey {
            case type, seq, at, kind, actor, subject, detail, hash
            case atMilliseconds = "at_ms"
            case prevHash = "prev_hash"
        }

        public init(_ record: AuditRecord) {
            seq = record.seq
            atMilliseconds = Int64((record.at.timeIntervalSince1970 * 1000).rounded())
            at = AuditExport.timestamp(record.at)
            kind = record.kind.rawValue
            actor = record.actor
            subject = record.subject
            detail = record.detail
            prevHash = record.prevHash.lowercaseHexString
            hash = record.hash.lowercaseHexString
        }

        /// The stored record this line describes; nil when a field is not well formed.
        public var record: AuditRecord? {
            guard let kind = AuditRecord.Kind(rawValue: kind), let prev = Data(hexDigits: prevHash),
                  let hash = Data(hexDigits: hash) else { return nil }
            return AuditRecord(seq: seq, at: Date(timeIntervalSince1970: Double(atMilliseconds) / 1000), kind: kind,
                               actor: actor, subject: subject, detail: detail, prevHash: prev, hash: hash)
        }
    }

    /// Last line.
    public struct Trailer: Codable, Sendable, Equatable {
        public var type = "trailer"
        public var count: Int
        public var headSeq: Int64
        public var headHash: String

        enum CodingKeys: String, CodingKey {
            case type, count
            case headSeq = "head_seq"
            case headHash = "head_hash"
        }
    }

    /// The header line (with its newline).
    public static func headerLine(firstSeq: Int64, anchor: Data, since: Date?, now: Date = Date()) -> Data {
        line(Header(exportedAt: timestamp(now), since: since.map(timestamp), firstSeq: firstSeq,
                    anchorHash: anchor.lowercaseHexString))
    }

    /// One record's line (with its newline).
    public static func recordLine(_ record: AuditRecord) -> Data {
        line(Entry(record))
    }

    /// The trailer line (with its newline).
    public static func trailerLine(count: Int, headSeq: Int64, headHash: Data) -> Data {
        line(Trailer(count: count, headSeq: headSeq, headHash: headHash.lowercaseHexString))
    }

    /// Checks an export: header, every record, trailer.
    public static func verify(_ data: Data) -> AuditFileVerification {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).makeIterator()
        let decoder = JSONDecoder()
        func broken(_ seq: Int64?, _ reason: String, _ verifier: AuditRangeVerifier? = nil,
                    firstSeq: Int64 = 0) -> AuditFileVerification {
            AuditFileVerification(source: .export, firstSeq: firstSeq, count: verifier?.count ?? 0,
                                  headSeq: verifier?.headSeq ?? 0, headHash: verifier?.headHash ?? Data(),
                                  problem: AuditFileVerification.Problem(seq: seq, reason: reason))
        }
        guard let first = lines.next(), let header = try? decoder.decode(Header.self, from: Data(first)),
              header.type == "header", header.format == format else {
            return broken(nil, "the first line is not a gosgate audit export header")
        }
        guard header.version == version else {
            return broken(nil, "export version \(header.version) is not supported (this gosgatectl reads version \(version))")
        }
        guard let anchor = Data(hexDigits: header.anchorHash), anchor.count == 32 else {
            return broken(nil, "the header's anchor_hash is not a 32-byte hex hash")
        }
        if header.firstSeq == 1 && anchor != AuditRecord.genesisHash {
            return broken(1, "record 1 must chain from the genesis hash (32 zero bytes)")
        }
        var verifier = AuditRangeVerifier(firstSeq: header.firstSeq, anchor: anchor)
        var trailer: Trailer?
        var lineNumber = 1
        while let next = lines.next() {
            lineNumber += 1
            guard trailer == nil else {
                return broken(nil, "line \(lineNumber) follows the trailer", verifier, firstSeq: header.firstSeq)
            }
            let bytes = Data(next)
            if let entry = try? decoder.decode(Entry.self, from: bytes), entry.type == "record" {
                guard let record = entry.record else {
                    return broken(entry.seq, "line \(lineNumber) has a malformed field", verifier, firstSeq: header.firstSeq)
                }
                guard (try? verifier.add(record)) == true else {
                    let reason = verifier.firstBreak?.reason ?? "its hash cannot be computed"
                    return broken(verifier.firstBreak?.seq ?? record.seq, reason, verifier, firstSeq: header.firstSeq)
                }
            } else if let decoded = try? decoder.decode(Trailer.self, from: bytes), decoded.type == "trailer" {
                trailer = decoded
            } else {
                return broken(nil, "line \(lineNumber) is neither a record nor the trailer", verifier,
                              firstSeq: header.firstSeq)
            }
        }
        guard let trailer else {
            return broken(nil, "the export has no trailer: it was cut short", verifier, firstSeq: header.firstSeq)
        }
        guard trailer.count == verifier.count, trailer.headSeq == verifier.headSeq,
              trailer.headHash == verifier.headHash.lowercaseHexString else {
            return broken(trailer.headSeq, "the trailer names head \(trailer.headSeq) \(trailer.headHash.prefix(16))… "
                + "but the records end at \(verifier.headSeq) \(verifier.headHash.lowercaseHexString.prefix(16))…", verifier,
                firstSeq: header.firstSeq)
        }
        return AuditFileVerification(source: .export, firstSeq: header.firstSeq, count: verifier.count,
                                     headSeq: verifier.headSeq, headHash: verifier.headHash, problem: nil)
    }

    /// Lowercase hex, the way exports and the admin API show hashes.
    public static func hex(_ data: Data) -> String { data.lowercaseHexString }

    /// `2025-01-31T12:00:00.123Z`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    private static func line<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs cannot fail.
        var data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
