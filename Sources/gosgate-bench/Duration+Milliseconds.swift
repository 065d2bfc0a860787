extension Duration {
    /// This duration in (fractional) milliseconds, for printing.
    var ms: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
