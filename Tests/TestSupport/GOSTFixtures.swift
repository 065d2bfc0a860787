import Foundation

/// Generates GOST keys and certificates with the `openssl` CLI (not with our code), for tests.
public enum GOSTFixtures {
    /// A key and self-signed certificate produced by `openssl`, as PEM files in `directory`.
    public struct KeyPair: Sendable {
        public let keyPath: String
        public let certificatePath: String

        public init(keyPath: String, certificatePath: String) {
            self.keyPath = keyPath
            self.certificatePath = certificatePath
        }
    }

    /// `openssl genpkey` + `openssl req -x509` with the given algorithm (`gost2012_256`/`gost2012_512`)
    /// and parameter set (`A`, `B`, `TCA`...), valid from now for `days`.
    public static func selfSigned(in directory: TemporaryDirectory, name: String = "signer",
                                  algorithm: String = "gost2012_256", paramSet: String = "A",
                                  subject: String = "/CN=gosgate test/O=Test Org",
                                  days: Int = 30) throws -> KeyPair {
        let key = directory.path("\(name).key.pem")
        let cert = directory.path("\(name).cert.pem")
        try OpenSSLCLI.check(["genpkey", "-algorithm", algorithm, "-pkeyopt", "paramset:\(paramSet)", "-out", key])
        try OpenSSLCLI.check(["req", "-new", "-x509", "-key", key, "-out", cert, "-days", "\(days)",
                              "-subj", subject, "-utf8",
                              "-addext", "keyUsage=critical,digitalSignature,nonRepudiation",
                              "-addext", "subjectKeyIdentifier=hash"])
        return KeyPair(keyPath: key, certificatePath: cert)
    }
}
