import Hummingbird
import NIOCore

/// The request context of the stand's routes: Hummingbird's core context plus the connection, so a
/// "dropped connection" fault can close it without answering.
struct StandRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client connection this request arrived on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
