import Foundation
import GOST
import Testing
import TestSupport

/// Streebog against RFC 6986 (printed byte-reversed there) and against `openssl dgst`.
@Suite struct StreebogTests {
    /// RFC 6986 §10.1 M1, as ASCII: the RFC prints the bytes reversed ("3231…30").
    static let m1 = Data("012345678901234567890123456789012345678901234567890123456789012".utf8)
    /// RFC 6986 §10.2 M2 exactly as printed in the RFC (reversed relative to the message bytes).
    static let m2Printed = Data(hex: """
        fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ed\
        e220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1
        """)
    // The RFC's printed hashes.
    static let h256M1Printed = "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"
    static let h512M1Printed = "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"
    static let h256M2Printed = "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d"
    static let h512M2Printed = "28fbc9bada033b1460642bdcddb90c3fb3e56c497ccd0f62b8a2ad4935e85f037613966de4ee00531ae60f3b5a47f8dae06915d5f2f194996fcabf2622e6881e"

    @Test func rfc6986VectorsMatchAfterReversingThePrintout() throws {
        let m2 = GOSTByteOrder.reversed(Self.m2Printed)
        #expect(try Streebog.hash256(Self.m1) == GOSTByteOrder.digest(fromRFC6986Printout: Data(hex: Self.h256M1Printed)))
        #expect(try Streebog.hash512(Self.m1) == GOSTByteOrder.digest(fromRFC6986Printout: Data(hex: Self.h512M1Printed)))
        #expect(try Streebog.hash256(m2) == GOSTByteOrder.digest(fromRFC6986Printout: Data(hex: Self.h256M2Printed)))
        #expect(try Streebog.hash512(m2) == GOSTByteOrder.digest(fromRFC6986Printout: Data(hex: Self.h512M2Printed)))
    }

    @Test func matchesOpenSSLDgst() throws {
        let m2 = GOSTByteOrder.reversed(Self.m2Printed)
        for message in [Self.m1, m2, Data(), Data(repeating: 0xA5, count: 100_003)] {
            let cli256 = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary"], stdin: message).stdout
            let cli512 = try OpenSSLCLI.check(["dgst", "-md_gost12_512", "-binary"], stdin: message).stdout
            #expect(try Streebog.hash256(message) == cli256)
            #expect(try Streebog.hash512(message) == cli512)
        }
    }

    @Test func incrementalAndFileStreamingEqualOneShot() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024 + 17)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        let data = Data(bytes)
        let path = directory.path("big.bin")
        try data.write(to: URL(fileURLWithPath: path))

        let hasher = try StreebogHasher(size: .bits256)
        for start in stride(from: 0, to: data.count, by: 65_537) {
            try hasher.update(data[start..<min(start + 65_537, data.count)])
        }
        let incremental = try hasher.finalize()
        let cli = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", path]).stdout
        #expect(incremental == cli)
        #expect(try Streebog.hash(fileAt: path, size: .bits256, chunkSize: 4096) == cli)
        // After finalize the hasher starts over.
        try hasher.update(Self.m1)
        #expect(try hasher.finalize() == Streebog.hash256(Self.m1))

        let cli512 = try OpenSSLCLI.check(["dgst", "-md_gost12_512", "-binary", path]).stdout
        #expect(try Streebog.hash(fileAt: path, size: .bits512) == cli512)
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: GOSTError.self) { try Streebog.hash(fileAt: "/nonexistent/file", size: .bits256) }
    }
}
