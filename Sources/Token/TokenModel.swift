/// Token models recognised by their ATR (from OpenSC's Rutoken ECP driver table, research §7.1).
enum TokenModel {
    private static let rutokenECP: [([UInt8], String)] = [
        ([0x3B, 0x8B, 0x01, 0x52, 0x75, 0x74, 0x6F, 0x6B, 0x65, 0x6E, 0x20, 0x45, 0x43, 0x50, 0xA0], "Rutoken ECP"),
        ([0x3B, 0x8B, 0x01, 0x52, 0x75, 0x74, 0x6F, 0x6B, 0x65, 0x6E, 0x20, 0x44, 0x53, 0x20, 0xC1], "Rutoken ECP (DS)"),
        ([0x3B, 0x88, 0x80, 0x01, 0x52, 0x74, 0x53, 0x43, 0x77, 0x81, 0x83, 0x20, 0x6A], "Rutoken ECP SC NFC"),
    ]

    /// The model name for an ATR, or nil when unknown.
    static func name(forAnswerToReset atr: [UInt8]) -> String? {
        if let known = rutokenECP.first(where: { $0.0 == atr }) { return known.1 }
        // ECP SC: the historical bytes spell "RutokenECPsc" after a variable interface part.
        let historical: [UInt8] = Array("RutokenECPsc".utf8)
        if atr.count >= historical.count,
           atr.indices.contains(where: { Array(atr[$0...].prefix(historical.count)) == historical }) {
            return "Rutoken ECP SC"
        }
        return nil
    }

    /// Whether the ATR is one of the Rutoken ECP family the `pcsc` driver speaks to.
    static func isRutokenECP(_ atr: [UInt8]) -> Bool {
        name(forAnswerToReset: atr) != nil
    }
}
