import Foundation

/// When the token manager refreshes and how it backs off (after Google's auth library, AWS static
/// stability and Vault's backoff; research/gateway-anchors.md §8.1).
public struct RefreshPolicy: Sendable {
    /// A token becomes stale this long before `exp` (at most a third of its lifetime).
    public var staleMargin: Duration
    /// Extra random advance of the stale point, up to this fraction of `staleMargin`, so that many
    /// identities do not refresh in the same second.
    public var staleJitter: Double
    /// A token is never handed out when it expires within this time: the request would land expired.
    public var expirySafety: Duration
    /// First backoff after a transient failure.
    public var initialBackoff: Duration
    /// Backoff ceiling.
    public var maximumBackoff: Duration

    public init(staleMargin: Duration = .seconds(300), staleJitter: Double = 0.1, expirySafety: Duration = .seconds(10),
                initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(300)) {
        self.staleMargin = staleMargin
        self.staleJitter = staleJitter
        self.expirySafety = expirySafety
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// Backoff after `failures` consecutive transient failures: doubling from the initial value up to
    /// the ceiling, with "equal jitter" (half fixed, half random) so retries spread but never collapse to 0.
    func backoff(afterFailures failures: Int, random: Double) -> TimeInterval {
        let base = initialBackoff.seconds * pow(2, Double(max(0, min(failures - 1, 30))))
        let capped = min(base, maximumBackoff.seconds)
        return capped / 2 + capped / 2 * random
    }

    /// The instant a token issued now and expiring at `expiresAt` should be refreshed.
    func staleAt(issuedAt now: Date, expiresAt: Date, random: Double) -> Date {
        let lifetime = expiresAt.timeIntervalSince(now)
        let margin = min(staleMargin.seconds, max(0, lifetime) / 3)
        return expiresAt.addingTimeInterval(-(margin + margin * staleJitter * random))
    }
}

extension Duration {
    /// This duration in (fractional) seconds.
    public var seconds: TimeInterval {
        let (whole, attoseconds) = components
        return TimeInterval(whole) + TimeInterval(attoseconds) / 1e18
    }
}
