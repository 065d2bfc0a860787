import COpenSSL
import Foundation

/// Loads Debian's GOST engine into this process's OpenSSL, once, without reading any `openssl.cnf`.
///
/// Debian 12's `gostprov` provider only does ciphers, digests and MACs; keys, signatures, GOST
/// certificates and GOST TLS need the engine (research/gost-token.md §3.2). Loading it by hand keeps
/// the system configuration untouched and leaves ordinary (non-GOST) OpenSSL use working: the engine
/// only claims GOST algorithms.
public enum GOSTEngine {
    /// The engine handle, kept for the lifetime of the process.
    struct Handle: @unchecked Sendable {
        let engine: OpaquePointer
    }

    private static let loaded: Result<Handle, GOSTError> = load()

    /// Makes sure the engine is loaded; every public entry point of this module calls it.
    /// - Throws: `GOSTError.engineUnavailable` when `gost.so` is missing or refuses to initialise.
    public static func ensureLoaded() throws(GOSTError) {
        _ = try loaded.get()
    }

    /// The directory OpenSSL was built to look for engines in (for messages and diagnostics).
    public static var enginesDirectory: String {
        let raw = String(cString: OpenSSL_version(OPENSSL_ENGINES_DIR))
        // OpenSSL prints `ENGINESDIR: "/path"`.
        if let open = raw.firstIndex(of: "\""), let close = raw.lastIndex(of: "\""), open < close {
            return String(raw[raw.index(after: open)..<close])
        }
        return raw
    }

    /// Path of the engine shared object; `GOSGATE_GOST_ENGINE` overrides it for unusual installs.
    public static var enginePath: String {
        if let override = ProcessInfo.processInfo.environment["GOSGATE_GOST_ENGINE"], !override.isEmpty {
            return override
        }
        return enginesDirectory + "/gost.so"
    }

    private static func load() -> Result<Handle, GOSTError> {
        guard gg_init_crypto_no_config() == 1, gg_init_ssl_no_config() == 1 else {
            return .failure(.engineUnavailable("OpenSSL failed to initialise: \(OpenSSLError.drain())"))
        }
        let path = enginePath
        guard FileManager.default.fileExists(atPath: path) else {
            return .failure(.engineUnavailable(
                "GOST engine not found at \(path); install the Debian package libengine-gost-openssl"))
        }
        gg_engine_load_dynamic()
        guard let engine = ENGINE_by_id("dynamic") else {
            return .failure(.engineUnavailable("OpenSSL has no dynamic engine loader: \(OpenSSLError.drain())"))
        }
        let commands: [(String, String?)] = [("SO_PATH", path), ("ID", "gost"), ("LOAD", nil)]
        for (name, value) in commands {
            if ENGINE_ctrl_cmd_string(engine, name, value, 0) != 1 {
                ENGINE_free(engine)
                return .failure(.engineUnavailable(
                    "GOST engine at \(path) failed to load (\(name)): \(OpenSSLError.drain())"))
            }
        }
        guard ENGINE_init(engine) == 1 else {
            ENGINE_free(engine)
            return .failure(.engineUnavailable("GOST engine failed to initialise: \(OpenSSLError.drain())"))
        }
        guard ENGINE_set_default(engine, gg_engine_method_all()) == 1 else {
            ENGINE_finish(engine)
            ENGINE_free(engine)
            return .failure(.engineUnavailable("GOST engine refused to register: \(OpenSSLError.drain())"))
        }
        // ENGINE_init took a functional reference; the structural one from ENGINE_by_id stays for
        // the process lifetime, as the engine must never be unloaded while keys refer to it.
        return .success(Handle(engine: engine))
    }
}
