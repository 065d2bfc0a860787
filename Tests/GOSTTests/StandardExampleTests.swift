import Foundation
import GOST
import Testing
import TestSupport

/// GOST R 34.10-2012 worked example (RFC 7091 §7.1, 256-bit test curve), values as the RFC prints them.
@Suite struct StandardExampleTests {
    static let e = Data(hex: "2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5")
    static let qx = Data(hex: "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B")
    static let qy = Data(hex: "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA")
    static let r = Data(hex: "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493")
    static let s = Data(hex: "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40")

    @Test func ourVerifierAcceptsTheStandardSignature() throws {
        let key = try GOSTPublicKey(x: Self.qx, y: Self.qy, parameterSet: .test2001)
        #expect(key.parameterSet == .test2001)
        let digest = GOSTByteOrder.digest(fromStandardE: Self.e)
        let signature = GOSTByteOrder.signature(r: Self.r, s: Self.s)
        #expect(key.verify(signature: signature, digest: digest))
        // The wrong orders must fail, or the order rules prove nothing.
        #expect(!key.verify(signature: signature, digest: Self.e))
        #expect(!key.verify(signature: Self.r + Self.s, digest: digest))
        #expect(!key.verify(signature: GOSTByteOrder.reversed(signature), digest: digest))
    }

    @Test func opensslAcceptsTheSameKeyDigestAndSignature() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try GOSTPublicKey(x: Self.qx, y: Self.qy, parameterSet: .test2001)
        try key.subjectPublicKeyInfoDER.write(to: directory.url.appendingPathComponent("std.pub.der"))
        try GOSTByteOrder.digest(fromStandardE: Self.e).write(to: directory.url.appendingPathComponent("std.dgst"))
        try GOSTByteOrder.signature(r: Self.r, s: Self.s).write(to: directory.url.appendingPathComponent("std.sig"))

        let text = try OpenSSLCLI.check(["pkey", "-pubin", "-inform", "DER", "-in", directory.path("std.pub.der"),
                                         "-text", "-noout"]).stdoutText
        #expect(text.contains("TestParamSet"))
        let verify = try OpenSSLCLI.run(["pkeyutl", "-verify", "-pubin", "-keyform", "DER",
                                         "-inkey", directory.path("std.pub.der"), "-in", directory.path("std.dgst"),
                                         "-sigfile", directory.path("std.sig")])
        #expect(verify.status == 0 && verify.stdoutText.contains("Signature Verified Successfully"), "\(verify.stderr)")
    }

    @Test func byteOrderConversionsRoundTrip() {
        let signature = GOSTByteOrder.signature(r: Self.r, s: Self.s)
        let (r, s) = GOSTByteOrder.components(ofSignature: signature)
        #expect(r == Self.r && s == Self.s)
        // gostcrypto gives r‖s; CryptoPro and the Rutoken answer give the whole thing reversed.
        #expect(GOSTByteOrder.signature(fromGostcrypto: Self.r + Self.s) == signature)
        #expect(GOSTByteOrder.signature(fromCryptoPro: GOSTByteOrder.reversed(signature)) == signature)
        #expect(GOSTByteOrder.signature(fromRutokenResponse: GOSTByteOrder.reversed(signature)) == signature)
        let point = GOSTByteOrder.spkiPoint(x: Self.qx, y: Self.qy)
        #expect(point.prefix(32) == GOSTByteOrder.reversed(Self.qx))
        let (x, y) = GOSTByteOrder.coordinates(fromSPKIPoint: point)
        #expect(x == Self.qx && y == Self.qy)
        // Short integers are left-padded.
        #expect(GOSTByteOrder.signature(r: Data([1]), s: Data([2]), halfLength: 4) == Data([0, 0, 0, 2, 0, 0, 0, 1]))
    }

    @Test func publicKeyCoordinatesMatchOpenSSLText() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        let key = try GOSTPrivateKey(contentsOfFile: pair.keyPath)
        let text = try OpenSSLCLI.check(["pkey", "-in", pair.keyPath, "-text", "-noout"]).stdoutText
        let (x, y) = GOSTByteOrder.coordinates(fromSPKIPoint: key.publicKey.pointLittleEndian)
        // `openssl pkey -text` prints X and Y big-endian without leading zeros.
        let compact = text.uppercased().filter { $0.isHexDigit }
        for coordinate in [x, y] {
            let hex = String(coordinate.map { String(format: "%02X", $0) }.joined().drop(while: { (digit: Character) in digit == "0" }))
            #expect(compact.contains(hex))
        }
    }

    @Test func pkcs8ScalarIsLittleEndianAsOpenSSLPrintsIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        // The PKCS#8 privateKey OCTET STRING as stored, and d as `openssl pkey -text` prints it (big-endian).
        let structure = try OpenSSLCLI.check(["asn1parse", "-in", pair.keyPath]).stdoutText
        let stored = try #require(structure.split(separator: "\n").last { $0.contains("OCTET STRING") && $0.contains("[HEX DUMP]:") })
        let storedHex = String(stored.split(separator: ":").last!)
        let text = try OpenSSLCLI.check(["pkey", "-in", pair.keyPath, "-text", "-noout"]).stdoutText
        let printed = try #require(text.split(separator: "\n").first { $0.hasPrefix("Private key:") })
        let printedHex = printed.dropFirst("Private key:".count).trimmingCharacters(in: .whitespaces)
        let d = GOSTByteOrder.privateScalar(fromPKCS8: Data(hex: storedHex))
        let dHex = String(d.map { String(format: "%02X", $0) }.joined().drop(while: { (digit: Character) in digit == "0" }))
        #expect(dHex == printedHex.uppercased())
        // The Rutoken command carries the digest exactly as OpenSSL prints it.
        let digest = GOSTByteOrder.digest(fromStandardE: Self.e)
        #expect(GOSTByteOrder.rutokenCommandData(forDigest: digest) == digest)
    }
}
