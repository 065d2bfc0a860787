import Foundation
import Yams

/// Walks a parsed YAML tree with a schema in code, collecting every problem with its line instead of
/// stopping at the first: an operator fixing a file at 3 a.m. wants the whole list at once.
final class YAMLReader {
    private(set) var issues: [ConfigurationIssue] = []

    /// Records a problem at `node` (or at the file level when nil).
    func report(_ node: Node?, _ keyPath: String, _ problem: String, fix: String) {
        let mark = node?.mark
        issues.append(ConfigurationIssue(line: mark?.line ?? 0, column: mark?.column ?? 0,
                                         keyPath: keyPath, problem: problem, fix: fix))
    }

    /// A mapping section; unknown keys are reported with the closest known one as the fix.
    func section(_ node: Node?, _ keyPath: String, known: [String]) -> Section? {
        guard let node else { return nil }
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.tag.description.hasSuffix("null") {
            return nil
        }
        guard let mapping = node.mapping else {
            report(node, keyPath, "expected a section of keys", fix: "indent the keys of \(keyPath) under it")
            return nil
        }
        var values: [String: Node] = [:]
        var keys: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let path = keyPath.isEmpty ? name : "\(keyPath).\(name)"
            if !known.contains(name) {
                let hint = Self.closest(to: name, in: known).map { "did you mean \"\($0)\"?" }
                    ?? "known keys here: \(known.joined(separator: ", "))"
                report(key, path, "unknown key", fix: hint)
                continue
            }
            values[name] = value
            keys[name] = key
        }
        return Section(reader: self, keyPath: keyPath, values: values, keys: keys, node: node)
    }

    /// The known key with the smallest edit distance, if it is close enough to be a typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
        return best
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1,
                                 previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// The keys of one mapping, read with typed accessors that report problems to the reader.
struct Section {
    let reader: YAMLReader
    let keyPath: String
    let values: [String: Node]
    let keys: [String: Node]
    let node: Node

    func path(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }

    func node(_ key: String) -> Node? { values[key] }

    func string(_ key: String, default fallback: String? = nil) -> String? {
        guard let value = values[key] else { return fallback }
        guard case .scalar(let scalar) = value else {
            reader.report(value, path(key), "expected a single value", fix: "write \(key): <text>")
            return fallback
        }
        return scalar.string
    }

    func requiredString(_ key: String, example: String) -> String? {
        guard let value = string(key) else {
            reader.report(node, path(key), "missing", fix: "add \(key): \(example)")
            return nil
        }
        return value
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let value = values[key] else { return fallback }
        guard let parsed = value.bool else {
            reader.report(value, path(key), "expected true or false", fix: "write \(key): true or \(key): false")
            return fallback
        }
        return parsed
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        bounded(key, default: fallback, range: range, parse: { $0.int }, expected: "expected a whole number",
                fix: "write \(key): \(fallback)", rangeNoun: "a number", show: { "\($0)" })
    }

    /// A size such as `64MiB`, `50000000`, `512KiB`.
    func bytes(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        bounded(key, default: fallback, range: range, parse: { $0.string.flatMap(ByteSize.parse) }, expected: "not a size",
                fix: "write a size like 64MiB, 512KiB or 50000000", rangeNoun: "a size", show: ByteSize.format)
    }

    /// A duration such as `30s`, `5m`, `250ms`, `1h`, or plain seconds.
    func duration(_ key: String, default fallback: Duration, range: ClosedRange<Duration>) -> Duration {
        bounded(key, default: fallback, range: range, parse: { $0.string.flatMap(DurationText.parse) },
                expected: "not a duration", fix: "write a duration like 250ms, 30s, 5m or 1h", rangeNoun: "a duration",
                show: { "\($0)" })
    }

    /// A scalar parsed by `parse` and kept inside `range`; either problem is reported at the value.
    private func bounded<T: Comparable>(_ key: String, default fallback: T, range: ClosedRange<T>,
                                        parse: (Node) -> T?, expected: String, fix: String, rangeNoun: String,
                                        show: (T) -> String) -> T {
        guard let value = values[key] else { return fallback }
        guard let parsed = parse(value) else {
            reader.report(value, path(key), expected, fix: fix)
            return fallback
        }
        guard range.contains(parsed) else {
            reader.report(value, path(key), "\(value.string ?? show(parsed)) is out of range",
                          fix: "use \(rangeNoun) from \(show(range.lowerBound)) to \(show(range.upperBound))")
            return fallback
        }
        return parsed
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) -> T where T.RawValue == String {
        guard let text = string(key) else { return fallback }
        guard let parsed = T(rawValue: text) else {
            let options = T.allCases.map(\.rawValue).joined(separator: ", ")
            reader.report(values[key], path(key), "unknown value \"\(text)\"", fix: "write one of: \(options)")
            return fallback
        }
        return parsed
    }

    /// An absolute filesystem path.
    func absolutePath(_ key: String, default fallback: String? = nil) -> String? {
        guard let text = string(key) else { return fallback }
        guard text.hasPrefix("/") else {
            reader.report(values[key], path(key), "\"\(text)\" is not an absolute path",
                          fix: "write the full path, starting with /")
            return fallback
        }
        return text
    }

    /// One absolute path or a list of them; each bad entry is reported at its own line.
    func absolutePaths(_ key: String) -> [String] {
        guard let value = values[key] else { return [] }
        let items: [Node] = value.sequence.map(Array.init) ?? [value]
        var paths: [String] = []
        for item in items {
            guard case .scalar(let scalar) = item, scalar.string.hasPrefix("/") else {
                reader.report(item, path(key), "\"\(item.string ?? "?")\" is not an absolute path",
                              fix: "write full paths starting with /, one value or a list like [/etc/gosgate/esia/a.cer, /etc/gosgate/esia/b.cer]")
                continue
            }
            paths.append(scalar.string)
        }
        if paths.isEmpty, items.isEmpty {
            reader.report(value, path(key), "the list is empty", fix: "name at least one certificate, or remove \(key)")
        }
        return paths
    }

    /// An absolute http(s) URL with no path beyond `/`.
    func origin(_ key: String) -> URL? {
        guard let text = string(key) else {
            reader.report(node, path(key), "missing", fix: "add \(key): https://host")
            return nil
        }
        guard let url = URL(string: text), let scheme = url.scheme, ["https", "http"].contains(scheme),
              url.host != nil, url.query == nil, url.path.isEmpty || url.path == "/" else {
            reader.report(values[key], path(key), "\"\(text)\" is not an origin",
                          fix: "write scheme and host only, e.g. https://esia.gosuslugi.ru")
            return nil
        }
        return url
    }
}

/// Parses human sizes with binary suffixes.
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000),
                                      ("MB", 1_000_000), ("KB", 1_000), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Int(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)),
                  number >= 0 else { return nil }
            return number.multipliedReportingOverflow(by: factor).overflow ? nil : number * factor
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func format(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30)GiB" }
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10)KiB" }
        return "\(bytes)B"
    }
}

/// Parses `250ms`, `30s`, `5m`, `1h` or plain seconds.
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, millis) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            // "ms" also ends in "s": only accept a purely numeric remainder.
            guard let value = Int64(number), value >= 0 else { continue }
            return .milliseconds(value * millis)
        }
        return Int64(trimmed).flatMap { $0 >= 0 ? .seconds($0) : nil }
    }
}
