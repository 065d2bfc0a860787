/// Made-up but well-formed Russian registration numbers for stand organisations: the check digits
/// are right, so validators that check them (as certificate tools and ESIA forms do) accept them.
enum RussianRegistrationNumber {
    /// A 13-digit ОГРН of a legal entity: sign 1, then 11 digits, then (first 12 mod 11) mod 10.
    static func ogrn() -> String {
        var digits = [1] + (0..<11).map { _ in Int.random(in: 0...9) }
        let value = digits.reduce(0) { $0 * 10 + $1 }
        digits.append((value % 11) % 10)
        return digits.map(String.init).joined()
    }

    /// A 10-digit ИНН of a legal entity with its check digit.
    static func innLegalEntity() -> String {
        var digits = [7, 7] + (0..<7).map { _ in Int.random(in: 0...9) }
        let weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
        digits.append(zip(digits, weights).map(*).reduce(0, +) % 11 % 10)
        return digits.map(String.init).joined()
    }
}
