import Foundation
import CLinux

/// Tells, before ESIA does (`ESIA-007015`), whether the clock is fit for signed ESIA requests.
public enum ClockGuard {
    /// How far the local clock may be from ESIA's before requests are refused locally. ESIA's
    /// tolerance is undocumented; a minute is well inside what NTP-synchronised hosts achieve.
    public static let tolerance: TimeInterval = 60

    /// What the kernel says about NTP synchronisation.
    public enum Synchronisation: Sendable, Equatable {
        case synchronised(maxErrorMicroseconds: Int)
        case unsynchronised
        case unknown
    }

    /// Reads the kernel's NTP state with `adjtimex` (read-only: `modes` = 0).
    public static func synchronisation() -> Synchronisation {
        var status: Int32 = 0
        var maxError = 0
        let result = gg_read_ntp_state(&status, &maxError)
        if result < 0 { return .unknown }
        // TIME_ERROR (5) or STA_UNSYNC (0x0040) mean no time source disciplines the clock.
        if result == 5 || status & 0x0040 != 0 { return .unsynchronised }
        return .synchronised(maxErrorMicroseconds: maxError)
    }

    /// The offset of the local clock from an HTTP `Date` header (positive: we are ahead).
    public static func skew(serverDate header: String, localNow: Date) -> TimeInterval? {
        guard let server = HTTPDate.parse(header) else { return nil }
        return localNow.timeIntervalSince(server)
    }

    /// A precise reason when the skew from `serverDate` exceeds `tolerance`.
    public static func problem(serverDate header: String?, localNow: Date) -> TokenUnavailable? {
        guard let header, let skew = skew(serverDate: header, localNow: localNow), abs(skew) > tolerance else {
            return nil
        }
        let direction = skew > 0 ? "ahead of" : "behind"
        return .clockUnusable("the clock is \(Int(abs(skew))) s \(direction) ESIA's; enable NTP (chrony) and check the time zone")
    }
}
