import Foundation

/// `application/x-www-form-urlencoded` bodies, as ESIA's token endpoint takes them.
enum FormURLEncoded {
    /// The parameters of `body`; `+` is a space and `%XX` a byte, as in HTML forms.
    /// - Throws: `ESIAFailure` for undecodable text or a repeated parameter.
    static func parse(_ body: Data) throws(ESIAFailure) -> [String: String] {
        guard let text = String(data: body, encoding: .utf8) else { throw .unreadable("the form body is not UTF-8") }
        var parameters: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(pieces[0]), let value = decode(pieces.count > 1 ? pieces[1] : "") else {
                throw .unreadable("a form parameter is not valid percent-encoding")
            }
            guard parameters[name] == nil else { throw .invalidParameter(name, "the parameter is repeated") }
            parameters[name] = value
        }
        return parameters
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
