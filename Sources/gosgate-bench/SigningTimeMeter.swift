import Foundation
import GOST

/// Adds up the time spent inside a token signer's `sign(digest:)`: connecting to the card, VERIFY,
/// and the signing APDUs through pcscd — the card's share of a token acquisition.
final class SigningTimeMeter: @unchecked Sendable {
    // @unchecked: `total` and `calls` are only touched under `lock`.
    private let lock = NSLock()
    private var total: Duration = .zero
    private var calls = 0

    /// `signer`, measured by this meter.
    func measuring(_ signer: any DigestSigner) -> any DigestSigner {
        MeasuredSigner(wrapped: signer, meter: self)
    }

    /// The time measured so far and the number of signatures it covers.
    var measured: (total: Duration, calls: Int) { lock.withLock { (total, calls) } }

    fileprivate func add(_ duration: Duration) {
        lock.withLock {
            total += duration
            calls += 1
        }
    }
}

/// A signer that times each signature of the signer it wraps.
private struct MeasuredSigner: DigestSigner {
    let wrapped: any DigestSigner
    let meter: SigningTimeMeter

    var certificate: GOSTCertificate { wrapped.certificate }

    func sign(digest: Data) async throws -> Data {
        let started = ContinuousClock.now
        defer { meter.add(ContinuousClock.now - started) }
        return try await wrapped.sign(digest: digest)
    }
}
