import Foundation
import TestSupport
import Testing

/// `gosgatectl diagnose token` as an operator runs it, against the virtual card.
@Suite(.serialized) struct DiagnoseTokenCLITests {
    private func diagnose(_ arguments: [String]) throws -> (status: Int32, report: [String: Any]) {
        let peer = try PeerProcess.startClient(try BuiltProducts.path("gosgatectl"), arguments: ["diagnose", "token", "--json"] + arguments)
        let status = peer.waitForExit(timeout: 60)
        // The pretty-printed report opens and closes with a bare brace line; log lines (stderr,
        // errors only) may be interleaved around it in the captured output.
        let lines = peer.output.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "{"), let end = lines[start...].firstIndex(of: "}"),
              let object = try JSONSerialization.jsonObject(
                  with: Data(lines[start...end].joined(separator: "\n").utf8)) as? [String: Any] else {
            throw PeerFailure("no JSON report: \(peer.output)")
        }
        return (status, object)
    }

    @Test func signTestThroughBothHardwareDrivers() async throws {
        try await PCSCRig.run { rig in
            let runs: [[String]] = [
                ["--driver", "pcsc", "--reader", PCSCRig.readerName],
                ["--driver", "pkcs11", "--module", PCSCRig.openSCModule, "--key-id", rig.options.keyID,
                 "--cert", rig.certificatePath],
            ]
            for arguments in runs {
                let (status, report) = try diagnose(arguments + ["--pin-file", rig.directory.path("pin"), "--sign-test"])
                #expect(status == 0, "\(report)")
                let token = report["token"] as? [String: Any]
                let identity = token?["identity"] as? [String: Any]
                #expect(identity?["serial"] as? String == rig.options.serial)
                #expect(token?["pin"] as? String == "accepted")
                #expect((report["signTest"] as? [String: Any])?["verified"] as? Bool == true)
                #expect((report["problems"] as? [Any])?.isEmpty == true)
                let readers = (report["pcsc"] as? [String: Any])?["readers"] as? [[String: Any]]
                #expect(readers?.contains { $0["name"] as? String == PCSCRig.readerName && $0["cardPresent"] as? Bool == true } == true)
            }
        }
    }

    @Test func withoutAPINFileNoPINIsSent() async throws {
        try await PCSCRig.run { rig in
            let (status, report) = try diagnose(["--driver", "pcsc", "--sign-test"])
            #expect(status == 1)
            let codes = (report["problems"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            #expect(codes?.contains("token_pin_required") == true, "\(report)")
            let counter = (report["token"] as? [String: Any])?["pinCounter"] as? [String: Any]
            #expect(counter?["retriesLeft"] as? Int == rig.options.retries)
            #expect(RigPeers.pinAttempts(rig) == 0)
        }
    }
}
