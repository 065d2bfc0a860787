import Foundation

/// A throwaway CA made with the `openssl` CLI (not with our code), and the leaf certificates it issues.
public struct TestCertificateAuthority: Sendable {
    /// Key types the fixtures can make.
    public enum KeyAlgorithm: Sendable {
        case gost2012_256
        case ecdsaP256
        case rsa2048

        var genpkeyArguments: [String] {
            switch self {
            case .gost2012_256: return ["-algorithm", "gost2012_256", "-pkeyopt", "paramset:A"]
            case .ecdsaP256: return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
            case .rsa2048: return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            }
        }
    }

    /// A key and certificate as PEM files.
    public struct Identity: Sendable {
        public let keyPath: String
        public let certificatePath: String
    }

    public let directory: TemporaryDirectory
    public let name: String
    public let algorithm: KeyAlgorithm
    public let certificatePath: String
    public let keyPath: String

    /// Creates a self-signed CA certificate `CN=<commonName>` with a fresh key.
    public static func create(in directory: TemporaryDirectory, name: String = "ca",
                              commonName: String = "gosgate Test CA",
                              algorithm: KeyAlgorithm = .gost2012_256) throws -> TestCertificateAuthority {
        let key = directory.path("\(name).key.pem")
        let cert = directory.path("\(name).cert.pem")
        try OpenSSLCLI.check(["genpkey"] + algorithm.genpkeyArguments + ["-out", key])
        try OpenSSLCLI.check(["req", "-new", "-x509", "-key", key, "-out", cert, "-days", "60", "-utf8",
                              "-subj", "/CN=\(commonName)/O=gosgate tests",
                              "-addext", "basicConstraints=critical,CA:TRUE",
                              "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                              "-addext", "subjectKeyIdentifier=hash"])
        return TestCertificateAuthority(directory: directory, name: name, algorithm: algorithm,
                                        certificatePath: cert, keyPath: key)
    }

    /// Issues a leaf for TLS servers and clients. `days` may be negative for an already expired one.
    /// - Parameters:
    ///   - subjectAltName: OpenSSL syntax, e.g. `DNS:localhost,IP:127.0.0.1`; `nil` leaves it out.
    public func issue(name: String, commonName: String = "localhost",
                      subjectAltName: String? = "DNS:localhost,IP:127.0.0.1", days: Int = 30,
                      algorithm: KeyAlgorithm? = nil) throws -> Identity {
        let key = directory.path("\(name).key.pem")
        let request = directory.path("\(name).csr.pem")
        let cert = directory.path("\(name).cert.pem")
        let extensions = directory.path("\(name).ext")
        var lines = ["basicConstraints=CA:FALSE",
                     "keyUsage=critical,digitalSignature,keyEncipherment",
                     "extendedKeyUsage=serverAuth,clientAuth",
                     "authorityKeyIdentifier=keyid"]
        if let subjectAltName { lines.append("subjectAltName=\(subjectAltName)") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: extensions, atomically: true, encoding: .utf8)
        try OpenSSLCLI.check(["genpkey"] + (algorithm ?? self.algorithm).genpkeyArguments + ["-out", key])
        try OpenSSLCLI.check(["req", "-new", "-key", key, "-out", request, "-utf8",
                              "-subj", "/CN=\(commonName)/O=gosgate tests"])
        try OpenSSLCLI.check(["x509", "-req", "-in", request, "-CA", certificatePath, "-CAkey", keyPath,
                              "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "\(days)",
                              "-extfile", extensions, "-out", cert])
        return Identity(keyPath: key, certificatePath: cert)
    }

    /// A directory holding this CA's certificate under its `openssl rehash` name, as an operator
    /// would prepare /etc/gosgate/ca.
    public func hashedDirectory(name: String = "ca.d") throws -> String {
        let path = directory.path(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: certificatePath, toPath: path + "/\(self.name).pem")
        try OpenSSLCLI.check(["rehash", path])
        return path
    }
}
