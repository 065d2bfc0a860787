import Foundation
import GOST

/// The environment that makes the `openssl` CLI load the GOST engine, through a private
/// configuration file (the system `openssl.cnf` is never touched).
enum OpenSSLEngineEnvironment {
    /// Writes `engine.cnf` into `directory` and returns this process's environment pointing at it.
    static func make(in directory: URL) throws -> [String: String] {
        let config = directory.appendingPathComponent("engine.cnf")
        try """
        openssl_conf = openssl_init
        [openssl_init]
        engines = engine_sect
        [engine_sect]
        gost = gost_sect
        [gost_sect]
        engine_id = gost
        dynamic_path = \(GOSTEngine.enginePath)
        default_algorithms = ALL

        """.write(to: config, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENSSL_CONF"] = config.path
        return environment
    }
}
