/// The limits the proxy enforces per request.
public struct ProxySettings: Sendable {
    /// Largest request body forwarded (413 beyond).
    public var maxBodyBytes: Int
    /// Bodies up to this size are held in memory, so that replayable calls can be sent again after
    /// an EPGU 401; larger bodies stream and are sent once.
    public var replayBufferBytes: Int
    /// How long a call may wait for a quota slot.
    public var queueDeadline: Duration
    /// How long a call waits for an ESIA token when none is valid.
    public var tokenWait: Duration

    public init(maxBodyBytes: Int = 64 << 20, replayBufferBytes: Int = 1 << 20, queueDeadline: Duration = .seconds(30),
                tokenWait: Duration = .seconds(20)) {
        self.maxBodyBytes = maxBodyBytes
        self.replayBufferBytes = replayBufferBytes
        self.queueDeadline = queueDeadline
        self.tokenWait = tokenWait
    }
}
