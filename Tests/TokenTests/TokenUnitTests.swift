import Foundation
import Testing
import TestSupport
@testable import Token

/// Pieces of the token layer that need no card: paths, the work queue, the PKCS#11 table layout.
@Suite struct TokenUnitTests {
    @Test func cardPathsParse() throws {
        #expect(try CardPath(parsing: "3F00/1000/1000/6002/0001").fileIDs == [0x3F00, 0x1000, 0x1000, 0x6002, 0x0001])
        #expect(try CardPath(parsing: "3f0050006004").description == "3F00/5000/6004")
        #expect(try CardPath(parsing: "3F00/5000").selectData == [0x50, 0x00])
        #expect(throws: TokenError.self) { try CardPath(parsing: "5000/6004") }
        #expect(throws: TokenError.self) { try CardPath(parsing: "3F00/50") }
        #expect(throws: TokenError.self) { try CardPath(parsing: "3F00/XYZW") }
    }

    @Test func commandAPDUEncodingFollowsISO7816() {
        #expect(CommandAPDU("LOGOUT", cla: 0x80, ins: 0x40, p1: 0, p2: 0).bytes == [0x80, 0x40, 0x00, 0x00])
        #expect(CommandAPDU("GET DATA", ins: 0xCA, p1: 0x01, p2: 0x81, le: 256).bytes == [0x00, 0xCA, 0x01, 0x81, 0x00])
        #expect(CommandAPDU("MSE", ins: 0x22, p1: 0x41, p2: 0xB6, data: [0x84, 0x01, 0x01]).bytes
                == [0x00, 0x22, 0x41, 0xB6, 0x03, 0x84, 0x01, 0x01])
        let response = ResponseAPDU([0x63, 0xC3])
        #expect(response?.pinTriesLeft == 3)
        #expect(ResponseAPDU([0x90]) == nil)
    }

    @Test func controlParametersGiveTheFileSize() {
        let fcp: [UInt8] = [0x62, 0x0C, 0x82, 0x02, 0x01, 0x00, 0x80, 0x02, 0x01, 0x99, 0x83, 0x02, 0x00, 0x01]
        #expect(PCSCDriver.fileSize(fromControlParameters: fcp) == 0x199)
        #expect(PCSCDriver.fileSize(fromControlParameters: [0x6F, 0x00]) == nil)
    }

    @Test func workerRunsOneAtATimeInArrivalOrder() async throws {
        let worker = TokenWorker(label: "test")
        let log = LockedLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await worker.run(until: .now + .seconds(30)) { () throws(TokenError) in
                        log.enter(index)
                        Thread.sleep(forTimeInterval: 0.02)
                        log.leave(index)
                    }
                }
                // Give each task time to enqueue so arrival order is the index order.
                try await Task.sleep(for: .milliseconds(5))
            }
            try await group.waitForAll()
        }
        #expect(log.maximumConcurrency == 1)
        #expect(log.order == Array(0..<6))
    }

    @Test func aCallerWhoseDeadlinePassesInTheQueueNeverRuns() async throws {
        let worker = TokenWorker(label: "test")
        let started = LockedLog()
        async let busy: Void = worker.run(until: .now + .seconds(30)) { () throws(TokenError) in
            Thread.sleep(forTimeInterval: 0.5)
        }
        try await Task.sleep(for: .milliseconds(50))
        await #expect(throws: TokenError.self) {
            try await worker.run(until: .now + .milliseconds(100)) { () throws(TokenError) in started.enter(1) }
        }
        try await busy
        try await Task.sleep(for: .milliseconds(50))
        #expect(started.order.isEmpty)
    }

    /// The hand-made `CK_FUNCTION_LIST` offsets must point at the functions OpenSC exports by name.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: PCSCRig.openSCModule)))
    func pkcs11FunctionTableMatchesExportedSymbols() throws {
        let module = try PKCS11Module.acquire(path: PCSCRig.openSCModule)
        defer { module.release() }
        for function in PKCS11Constants.Function.allCases {
            #expect(module.tableAddress(of: function) == module.exportedAddress(of: function), "\(function.symbol)")
        }
    }

    @Test func missingModuleIsATypedError() {
        #expect(throws: TokenError.self) {
            _ = try PKCS11Module.acquire(path: "/nonexistent/librtpkcs11ecp.so")
        }
    }

    @Test func fileDriverRefusesUnlessAllowed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        await #expect(throws: TokenError.softwareKeyNotAllowed) {
            _ = try await TokenSigner.open(TokenConfiguration(
                driver: .file(SoftwareKeySettings(keyFile: pair.keyPath, allowSoftwareKey: false)),
                certificateFile: pair.certificatePath))
        }
    }
}

/// Records entry order and overlap of concurrent sections.
final class LockedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var inside = 0
    private(set) var maximumConcurrency = 0
    private var entered: [Int] = []

    var order: [Int] { lock.withLock { entered } }

    func enter(_ index: Int) {
        lock.withLock {
            inside += 1
            maximumConcurrency = max(maximumConcurrency, inside)
            entered.append(index)
        }
    }

    func leave(_ index: Int) {
        lock.withLock { inside -= 1 }
    }
}
