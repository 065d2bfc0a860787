import Foundation
import GOST
import TestSupport
import Testing
@testable import Token

/// Each driver against the virtual Rutoken behind real pcscd + vpcd (and, for `pkcs11`, the real
/// `opensc-pkcs11.so`); every signature is checked by the `openssl` CLI.
@Suite(.serialized) struct TokenSigningRigTests {
    @Test(arguments: TokenDriverKind.allCases)
    func signatureVerifiesWithOpenSSL(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run { rig in
            let signer = try await RigPeers.signer(kind, rig)
            let payload = RigPeers.randomPayload()
            let digest = try RigPeers.opensslDigest(payload)
            let signature = try await signer.sign(digest: digest)
            #expect(signature.count == 64)
            #expect(try RigPeers.opensslVerifies(signature: signature, digest: digest,
                                                 certificate: rig.certificatePath, in: rig.directory))
            // The byte order is not symmetric: the same bytes reversed must not verify.
            #expect(try !RigPeers.opensslVerifies(signature: Data(signature.reversed()), digest: digest,
                                                  certificate: rig.certificatePath, in: rig.directory))
            await signer.shutdown()
        }
    }

    @Test(arguments: TokenDriverKind.allCases)
    func cadesAroundTheTokenSignatureVerifiesWithOpenSSLCMS(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run { rig in
            let signer = try await RigPeers.signer(kind, rig)
            let payload = RigPeers.randomPayload()
            let cms = try await CAdESBuilder.sign(content: payload, signer: signer)
            #expect(try RigPeers.opensslVerifiesCMS(cms, content: payload, certificate: rig.certificatePath,
                                                    in: rig.directory))
            #expect(try !RigPeers.opensslVerifiesCMS(cms, content: payload + Data("x".utf8),
                                                     certificate: rig.certificatePath, in: rig.directory))
            await signer.shutdown()
        }
    }

    /// `sign(message:)` hashes on the host when the token cannot (OpenSC offers no
    /// CKM_GOSTR3410_WITH_GOSTR3411_12_256); `openssl dgst -verify` checks it over the message itself.
    @Test(arguments: [TokenDriverKind.pcsc, .pkcs11])
    func messageSignatureVerifiesWithOpenSSLDgst(_ kind: TokenDriverKind) async throws {
        try await PCSCRig.run { rig in
            let signer = try await RigPeers.signer(kind, rig)
            let message = RigPeers.randomPayload()
            let signature = try await signer.sign(message: message)
            let messagePath = rig.directory.path("message.txt"), signaturePath = rig.directory.path("message.sig")
            let publicKeyPath = rig.directory.path("public.pem")
            try message.write(to: URL(fileURLWithPath: messagePath))
            try signature.write(to: URL(fileURLWithPath: signaturePath))
            try OpenSSLCLI.check(["x509", "-in", rig.certificatePath, "-pubkey", "-noout", "-out", publicKeyPath])
            let verified = try OpenSSLCLI.run(["dgst", "-md_gost12_256", "-verify", publicKeyPath,
                                               "-signature", signaturePath, messagePath])
            #expect(verified.status == 0 && verified.stdoutText.contains("Verified OK"), "\(verified.stderr)")
            await signer.shutdown()
        }
    }

    /// The pcsc driver reads the certificate off the card with SELECT + READ BINARY; it must be the
    /// very certificate `openssl req` wrote.
    @Test func pcscDriverReadsTheCardCertificate() async throws {
        try await PCSCRig.run { rig in
            let signer = try await TokenSigner.open(RigPeers.pcsc(rig))
            let der = try OpenSSLCLI.check(["x509", "-in", rig.certificatePath, "-outform", "DER"]).stdout
            #expect(signer.certificate.der == der)
            await signer.shutdown()
        }
    }

    /// Cross-check of the rig itself: `pkcs11-tool --sign` (OpenSC's own client) against the same
    /// card produces signatures OpenSSL verifies, as do ours in the same session of the card.
    @Test func pkcs11ToolSignsOnTheSameCard() async throws {
        try await PCSCRig.run { rig in
            let digest = try RigPeers.opensslDigest(RigPeers.randomPayload())
            let input = rig.directory.path("tool.dgst"), output = rig.directory.path("tool.sig")
            try digest.write(to: URL(fileURLWithPath: input))
            let tool = try PCSCRig.runPeer("/usr/bin/pkcs11-tool", [
                "--module", PCSCRig.openSCModule, "--login", "--pin", rig.options.pin, "--sign",
                "--mechanism", "GOSTR3410", "--id", rig.options.keyID, "--input-file", input, "--output-file", output,
            ])
            #expect(tool.status == 0, "\(tool.output)")
            let toolSignature = try Data(contentsOf: URL(fileURLWithPath: output))
            #expect(try RigPeers.opensslVerifies(signature: toolSignature, digest: digest,
                                                 certificate: rig.certificatePath, in: rig.directory))
            for kind in [TokenDriverKind.pkcs11, .pcsc] {
                let signer = try await RigPeers.signer(kind, rig)
                let ours = try await signer.sign(digest: digest)
                #expect(try RigPeers.opensslVerifies(signature: ours, digest: digest,
                                                     certificate: rig.certificatePath, in: rig.directory), "\(kind)")
                await signer.shutdown()
            }
        }
    }

    @Test func statusDescribesTheToken() async throws {
        try await PCSCRig.run { rig in
            for kind in [TokenDriverKind.pkcs11, .pcsc] {
                let signer = try await TokenSigner.open(RigPeers.configuration(kind, rig))
                let status = try await signer.refreshStatus()
                #expect(status.present)
                #expect(status.identity?.serial == rig.options.serial, "\(kind)")
                #expect(status.identity?.label?.hasPrefix(rig.options.label) == true, "\(kind)")
                #expect(status.identity?.reader == PCSCRig.readerName, "\(kind)")
                #expect(status.pin == .none)
                #expect(!status.loggedIn)
                #expect(status.certificateSubject.contains("gosgate rig token"))
                await signer.shutdown()
            }
        }
    }

    @Test func wrongDigestLengthIsRefusedBeforeTheCard() async throws {
        try await PCSCRig.run { rig in
            let signer = try await RigPeers.signer(.pcsc, rig)
            await #expect(throws: TokenError.self) { _ = try await signer.sign(digest: Data(count: 20)) }
            #expect(RigPeers.pinAttempts(rig) == 0)
            await signer.shutdown()
        }
    }

    @Test func unknownKeyIDIsReportedWithTheKeysPresent() async throws {
        try await PCSCRig.run { rig in
            var configuration = RigPeers.pkcs11(rig)
            configuration.driver = .pkcs11(PKCS11Settings(modulePath: PCSCRig.openSCModule, keyID: Data([0x7F])))
            let signer = try await TokenSigner.open(configuration, pin: TokenPIN(rig.options.pin))
            do throws(TokenError) {
                _ = try await signer.sign(digest: Data(count: 32), deadline: .now + .seconds(10))
                Issue.record("signing with a key that does not exist succeeded")
            } catch .keyNotFound(let message) {
                #expect(message.contains("CKA_ID 01"), "\(message)")
            } catch {
                Issue.record("expected keyNotFound, got \(error)")
            }
            await signer.shutdown()
        }
    }
}
