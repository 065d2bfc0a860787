/// Fixed journal `MESSAGE_ID`s for the events an operator alerts on. Pass one as the
/// `message_id` metadata key; `journalctl MESSAGE_ID=…` finds the events and `journalctl -x` shows
/// their explanation from the catalog gosgate installs (`/usr/lib/systemd/catalog/gosgate.catalog`).
///
/// Never change a value: alerts and the catalog match on it.
public enum JournalMessageID {
    /// An ESIA access token was obtained for an identity.
    public static let tokenAcquired = "055ef933f4d045549c9be69d06712ce5"
    /// Obtaining an access token failed (the manager retries, or waits for a person).
    public static let tokenAcquisitionFailed = "13d68847b05a4b15801b7617654961df"
    /// EPGU rejected a token (401); it was dropped and a new one is obtained.
    public static let tokenInvalidated = "553e7b1d2b8442fbabee14c745ca3c83"
    /// The hardware token was inserted (the reader reports a card).
    public static let hardwareTokenInserted = "f2a611c8acf24a5098df873d90299bfe"
    /// The hardware token was removed.
    public static let hardwareTokenRemoved = "30ad9a8ac4714cb38699037374d008b9"
    /// The token refused the PIN; gosgate does not retry it.
    public static let pinRejected = "575815c276c544ac98022603103d5dbe"
    /// A new configuration was applied.
    public static let configurationReloaded = "7cf11500996740049c435020b6dd3a4f"
    /// A reload was refused; the running configuration stays.
    public static let configurationRejected = "1050be4bfa574966bd5a8db2ed392bb5"
    /// The health check failed, so watchdog pings stopped.
    public static let watchdogPaused = "be96335ca7a54aebaafe243954ed252c"

    /// Every ID above, for the catalog check.
    public static let all: [String] = [
        tokenAcquired, tokenAcquisitionFailed, tokenInvalidated, hardwareTokenInserted,
        hardwareTokenRemoved, pinRejected, configurationReloaded, configurationRejected, watchdogPaused,
    ]
}
