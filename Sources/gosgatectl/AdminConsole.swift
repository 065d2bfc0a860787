import Admin
import ArgumentParser
import Foundation

/// Talks to the daemon and prints for people or scripts: tables or JSON on stdout, failures as
/// one line on stderr (or `{code, message}` JSON on stdout with `--json`) and a stable exit status.
struct AdminConsole {
    let client: AdminClient
    let json: Bool

    /// Calls the daemon and decodes a successful answer as `T`; any failure is printed and thrown
    /// as the matching exit status.
    func call<T: Decodable>(_ method: String, _ path: String, body: Data? = nil, as type: T.Type) throws -> T {
        let response: AdminClient.Response
        do {
            response = try client.send(method, path, body: body)
        } catch {
            throw fail(code: "unreachable", message: error.description, exit: AdminExitCode(error))
        }
        if let refusal = response.error {
            if json { print(Self.render(refusal)) } else {
                FileHandle.standardError.write(Data("gosgatectl: \(refusal.message)\n".utf8))
                for issue in refusal.issues ?? [] {
                    FileHandle.standardError.write(Data("  \(issue)\n".utf8))
                }
            }
            throw AdminExitCode(refusal).exitCode
        }
        guard (200..<300).contains(response.status) else {
            throw fail(code: "unexpected_status", message: "gosgated answered HTTP \(response.status)", exit: .failed)
        }
        do {
            return try response.decode(type)
        } catch {
            throw fail(code: "malformed_response", message: error.description, exit: .unreachable)
        }
    }

    /// Calls with a JSON body.
    func call<Body: Encodable, T: Decodable>(_ method: String, _ path: String, json body: Body, as type: T.Type) throws -> T {
        let data: Data
        do {
            data = try AdminJSON.encoder().encode(body)
        } catch {
            throw fail(code: "bad_request", message: "the request could not be encoded: \(error)", exit: .failed)
        }
        return try call(method, path, body: data, as: type)
    }

    /// Prints `value` as JSON with `--json`, else `text()`.
    func emit<T: Encodable>(_ value: T, text: () -> String) {
        print(json ? Self.render(value) : text())
    }

    /// Prints a failure the console's way and returns the exit status to throw.
    func fail(code: String, message: String, exit: AdminExitCode) -> ExitCode {
        if json {
            print(Self.render(["code": code, "message": message]))
        } else {
            FileHandle.standardError.write(Data("gosgatectl: \(message)\n".utf8))
        }
        return exit.exitCode
    }

    /// Pretty, sorted JSON as the daemon spells it.
    static func render<T: Encodable>(_ value: T) -> String {
        // Encoding the API's plain value types cannot fail.
        let data = (try? AdminJSON.encoder(pretty: true).encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A path segment with everything but unreserved characters percent-encoded.
    static func segment(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A query value, percent-encoded.
    static func queryValue(_ text: String) -> String { segment(text) }
}
