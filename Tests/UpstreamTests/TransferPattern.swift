import Foundation
import NIOCore

/// The byte pattern both sides of the streaming tests agree on: byte `i` of a body is `i % 251`,
/// so any loss, duplication or reordering shows up without keeping the body anywhere.
struct TransferPattern {
    static let period = 251
    /// One mebibyte-ish of the pattern plus a period, so any chunk starting at any phase is a slice of it.
    private static let reference: [UInt8] = (0..<(period * 4200)).map { UInt8($0 % period) }

    private(set) var position = 0
    private(set) var intact = true

    /// The next `count` bytes (count ≤ 1 MiB) of the pattern.
    mutating func nextChunk(_ count: Int) -> ByteBuffer {
        let phase = position % Self.period
        position += count
        return Self.reference.withUnsafeBytes { ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: $0[phase..<(phase + count)])) }
    }

    /// Checks the next received bytes against the pattern.
    mutating func verify(_ buffer: ByteBuffer) {
        var remaining = buffer
        while remaining.readableBytes > 0 {
            let take = min(remaining.readableBytes, 1 << 20)
            let slice = remaining.readSlice(length: take)!
            let phase = position % Self.period
            let equal = slice.withUnsafeReadableBytes { received in
                Self.reference.withUnsafeBytes { expected in
                    memcmp(received.baseAddress!, expected.baseAddress! + phase, take) == 0
                }
            }
            intact = intact && equal
            position += take
        }
    }
}

/// This process's memory use, from /proc/self/status.
enum ProcessMemory {
    /// Peak resident set size (VmHWM) in bytes.
    static var peakResident: Int { field("VmHWM") }
    /// Current resident set size (VmRSS) in bytes.
    static var resident: Int { field("VmRSS") }

    private static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
}
