import ESIA
import Foundation
import Gateway
import Token
import Upstream

/// The ESIA side of the benchmark's identity: its API-KEY and the stand, as `GatewayService` wires
/// an API-KEY identity (`APIKeyTokenSource` over `UpstreamESIATransport`).
struct BenchIdentity {
    let apiKey: String
    let esia: URL
    let upstream: UpstreamConfiguration

    /// A token manager holding no token that signs on `holder` (timed by `meter`) and reports to
    /// `watch`, with its own upstream client, so its first exchange opens a new TLS connection as
    /// one after a long idle would. Shut the client down when done.
    func manager(holder: SignerHolder, meter: SigningTimeMeter,
                 watch: TokenAcquisitionWatch) -> (manager: TokenManager, upstream: UpstreamClient) {
        let client = UpstreamClient(configuration: upstream)
        let source = APIKeyTokenSource(apiKey: apiKey, esia: esia,
                                       signer: { meter.measuring(try await holder.current()) },
                                       transport: UpstreamESIATransport(upstream: client))
        return (TokenManager(identity: "bench", source: source, events: watch), client)
    }
}
