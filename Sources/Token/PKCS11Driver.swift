import Foundation
import GOST

/// Signs through a vendor PKCS#11 module: finds the token by label or serial and the key by
/// `CKA_ID` or label, logs in as the user, and signs the host's Streebog digest with
/// `CKM_GOSTR3410` (research/gost-token.md §6, §10).
final class PKCS11Driver: TokenDriver {
    let kind = TokenDriverKind.pkcs11
    let needsLogin = true

    private let settings: PKCS11Settings
    private let module: PKCS11Module
    private var slot: UInt?
    private var session: UInt?
    private var key: UInt?
    private var mechanisms: Set<UInt> = []
    private var identity: TokenIdentity?
    private var pinLengths: ClosedRange<Int>?
    private(set) var signingCommandsSent = 0

    init(settings: PKCS11Settings) throws(TokenError) {
        guard settings.keyID != nil || settings.keyLabel != nil else {
            throw .configurationInvalid("the pkcs11 driver needs key_id (CKA_ID, hex) or key_label; "
                                        + "find them with `pkcs11-tool --module \(settings.modulePath) --login -O`")
        }
        self.settings = settings
        module = try PKCS11Module.acquire(path: settings.modulePath)
    }

    deinit {
        disconnect()
        module.release()
    }

    var isLoggedIn: Bool {
        guard let session, let state = try? module.sessionState(session) else { return false }
        return state == PKCS11Constants.sessionStateROUserFunctions || state == PKCS11Constants.sessionStateRWUserFunctions
    }

    func connect(until deadline: ContinuousClock.Instant) throws(TokenError) -> TokenIdentity {
        // Asking for the slot first lets the module notice a removal or a swapped token, which
        // closes its sessions; only then does the session check mean something.
        if let slot, let session, let identity,
           let info = try? module.slotInfo(slot), info.flags & PKCS11Constants.slotTokenPresent != 0,
           (try? module.sessionState(session)) != nil {
            return identity
        }
        disconnect()
        let started = ContinuousClock.now
        while true {
            if let found = try matchingSlot() {
                let opened = try openSession(found)
                return opened
            }
            guard ContinuousClock.now < deadline else { throw .tokenAbsent(waited: ContinuousClock.now - started) }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    func pinCounter() throws(TokenError) -> PINCounter {
        guard let slot else { throw .tokenAbsent(waited: .zero) }
        let flags = try guarded("C_GetTokenInfo") { () throws(TokenError) in try module.tokenInfo(slot).flags }
        if flags & PKCS11Constants.tokenUserPINLocked != 0 { return .locked }
        if flags & PKCS11Constants.tokenUserPINFinalTry != 0 { return .finalTry }
        if flags & PKCS11Constants.tokenUserPINCountLow != 0 { return .low }
        return .unknown
    }

    func login(_ pin: TokenPIN) throws(TokenError) -> LoginOutcome {
        guard let session else { throw .tokenAbsent(waited: .zero) }
        // A PIN the token would refuse for its length is not sent: some modules count that as a try.
        if let pinLengths, !pinLengths.contains(pin.count) {
            throw .pinInvalid("the token takes PINs of \(pinLengths.lowerBound)-\(pinLengths.upperBound) characters")
        }
        let rv = try pin.withBytes { bytes throws(TokenError) in module.login(session, pin: bytes) }
        switch rv {
        case .ok, .userAlreadyLoggedIn:
            return .accepted
        case .pinIncorrect:
            let counter = (try? pinCounter()) ?? .unknown
            return counter.isLocked ? .locked : .rejected(counter)
        case .pinLocked:
            return .locked
        case .pinLengthRange, .pinInvalid:
            throw .pinInvalid("the token refuses PINs of this length or format (\(rv))")
        case .pinExpired:
            throw .pinInvalid("the token says the PIN has expired and must be changed with the vendor's tools (\(rv))")
        default:
            if rv.meansTokenGone {
                disconnect()
                throw .tokenRemoved(during: "C_Login")
            }
            throw .pkcs11Failed(function: "C_Login", code: rv)
        }
    }

    func sign(digest: Data) throws(TokenError) -> Data {
        guard session != nil else { throw .tokenAbsent(waited: .zero) }
        let key = try knownKey()
        guard mechanisms.isEmpty || mechanisms.contains(PKCS11Constants.mechanismGOSTR3410) else {
            throw .mechanismUnsupported("the token does not offer CKM_GOSTR3410 (raw signing of a digest); "
                                        + "offered: \(mechanisms.sorted().map { String(format: "0x%lX", $0) }.joined(separator: ", "))")
        }
        // CKM_GOSTR3410 takes the digest exactly as Streebog outputs it and returns s‖r
        // (PKCS#11 v2.30, research §2 and the [X-c6] run against OpenSC).
        return try signWith(PKCS11Constants.mechanismGOSTR3410, key: key, data: digest)
    }

    func sign(message: Data) throws(TokenError) -> Data? {
        guard session != nil else { throw .tokenAbsent(waited: .zero) }
        let combined = PKCS11Constants.mechanismGOSTR3410WithGOSTR3411_12_256
        guard mechanisms.contains(combined) else { return nil }
        let key = try knownKey()
        return try signWith(combined, key: key, data: message)
    }

    /// `C_SignInit` + `C_Sign`. When the card vanishes under the command, modules answer with a
    /// generic error (OpenSC: CKR_GENERAL_ERROR); the slot then tells whether the token is gone.
    private func signWith(_ mechanism: UInt, key: UInt, data: Data) throws(TokenError) -> Data {
        guard let session, let slot else { throw .tokenAbsent(waited: .zero) }
        signingCommandsSent += 1
        do {
            return Data(try module.sign(session, mechanism: mechanism, key: key, data: [UInt8](data)))
        } catch .pkcs11Failed(let function, let code) {
            if code.meansTokenGone {
                disconnect()
                throw .tokenRemoved(during: "\(function) (\(code))")
            }
            guard [.functionFailed, .generalError].contains(code) else { throw .pkcs11Failed(function: function, code: code) }
            disconnect()
            // pcscd polls readers a few times a second; give it a moment to notice a pulled card.
            for _ in 0..<10 {
                let present = (try? module.slotInfo(slot)).map { $0.flags & PKCS11Constants.slotTokenPresent != 0 }
                if present != true { throw .tokenRemoved(during: "\(function) (\(code))") }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw .pkcs11Failed(function: function, code: code)
        } catch {
            throw error
        }
    }

    func readCertificate() throws(TokenError) -> GOSTCertificate? {
        guard let session else { throw .tokenAbsent(waited: .zero) }
        var template: [(UInt, [UInt8])] = [(PKCS11Constants.attributeClass, Self.ulong(PKCS11Constants.classCertificate))]
        if let id = settings.keyID {
            template.append((PKCS11Constants.attributeID, [UInt8](id)))
        } else if let label = settings.keyLabel {
            template.append((PKCS11Constants.attributeLabel, Array(label.utf8)))
        }
        let objects = try guarded("C_FindObjects") { () throws(TokenError) in
            try module.findObjects(session, matching: template)
        }
        for object in objects {
            guard let der = try? module.attribute(PKCS11Constants.attributeValue, of: object, session: session),
                  let certificate = try? GOSTCertificate(der: Data(der)) else { continue }
            return certificate
        }
        return nil
    }

    func logout() {
        if let session { module.logout(session) }
        key = nil
    }

    func disconnect() {
        if let session { module.closeSession(session) }
        session = nil
        key = nil
        identity = nil
        slot = nil
    }

    // MARK: finding things

    /// The slot whose token matches the configured label/serial; nil when no token is present.
    private func matchingSlot() throws(TokenError) -> UInt? {
        let slots = try guarded("C_GetSlotList") { () throws(TokenError) in
            try module.slots(withTokenPresent: true)
        }
        var seen: [String] = []
        var matches: [UInt] = []
        for candidate in slots {
            guard let info = try? module.tokenInfo(candidate) else { continue }
            seen.append("\"\(info.label)\" (serial \(info.serialNumber))")
            if isMatch(info) { matches.append(candidate) }
        }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw .tokenNotFound("\(matches.count) tokens match (\(seen.joined(separator: ", "))); "
                                 + "set token_serial to pick one")
        }
        if seen.isEmpty { return nil }
        throw .tokenNotFound("no token matches \(selectorText); present: \(seen.joined(separator: ", "))")
    }

    private func isMatch(_ info: PKCS11Module.TokenInfo) -> Bool {
        if let serial = settings.tokenSerial, serial.trimmingCharacters(in: .whitespaces) != info.serialNumber {
            return false
        }
        if let label = settings.tokenLabel?.trimmingCharacters(in: .whitespaces),
           info.label != label, !info.label.hasPrefix(label + " (") {
            return false
        }
        return true
    }

    private var selectorText: String {
        [settings.tokenLabel.map { "label \"\($0)\"" }, settings.tokenSerial.map { "serial \($0)" }]
            .compactMap { $0 }.joined(separator: " and ")
    }

    private func openSession(_ found: UInt) throws(TokenError) -> TokenIdentity {
        let info = try guarded("C_GetTokenInfo") { () throws(TokenError) in try module.tokenInfo(found) }
        let slotInfo = try? module.slotInfo(found)
        let offered = (try? module.mechanisms(found)) ?? []
        let opened = try guarded("C_OpenSession") { () throws(TokenError) in try module.openSession(found) }
        slot = found
        session = opened
        mechanisms = Set(offered)
        // CK_TOKEN_INFO lengths; 0 or a maximum below the minimum means "not stated".
        let (shortest, longest) = (Int(info.minimumPINLength), Int(info.maximumPINLength))
        pinLengths = longest >= max(shortest, 1) && longest < Int(UInt32.max) ? max(shortest, 1)...longest : nil
        let mechanism = mechanisms.contains(PKCS11Constants.mechanismGOSTR3410WithGOSTR3411_12_256)
            ? "CKM_GOSTR3410 (digest), CKM_GOSTR3410_WITH_GOSTR3411_12_256 (message)"
            : "CKM_GOSTR3410"
        let found = TokenIdentity(reader: slotInfo?.description, label: info.label, serial: info.serialNumber,
                                  manufacturer: info.manufacturer, model: info.model, key: keyText,
                                  mechanism: mechanism)
        identity = found
        return found
    }

    private var keyText: String {
        if let id = settings.keyID { return "CKA_ID \(id.lowercaseHexString)" }
        return "CKA_LABEL \"\(settings.keyLabel ?? "")\""
    }

    private func knownKey() throws(TokenError) -> UInt {
        if let key { return key }
        return try findKey()
    }

    /// Finds the private key (visible only after login on most tokens) and remembers it.
    private func findKey() throws(TokenError) -> UInt {
        guard let session else { throw .tokenAbsent(waited: .zero) }
        var template: [(UInt, [UInt8])] = [(PKCS11Constants.attributeClass, Self.ulong(PKCS11Constants.classPrivateKey))]
        if let id = settings.keyID {
            template.append((PKCS11Constants.attributeID, [UInt8](id)))
        } else if let label = settings.keyLabel {
            template.append((PKCS11Constants.attributeLabel, Array(label.utf8)))
        }
        let found = try guarded("C_FindObjects") { () throws(TokenError) in
            try module.findObjects(session, matching: template)
        }
        guard let first = found.first else {
            let all = (try? module.findObjects(session, matching: [(PKCS11Constants.attributeClass,
                                                                     Self.ulong(PKCS11Constants.classPrivateKey))])) ?? []
            let ids = all.compactMap { try? module.attribute(PKCS11Constants.attributeID, of: $0, session: session) }
                .map(\.lowercaseHexString)
            throw .keyNotFound("no private key with \(keyText) on the token; private keys present: "
                               + (ids.isEmpty ? "none" : ids.map { "CKA_ID \($0)" }.joined(separator: ", ")))
        }
        key = first
        return first
    }

    /// Runs a module call; if the token or pcscd went away, drops the session and says so.
    private func guarded<R>(_ function: String, _ body: () throws(TokenError) -> R) throws(TokenError) -> R {
        do {
            return try body()
        } catch {
            if case .pkcs11Failed(_, let code) = error, code.meansTokenGone {
                disconnect()
                throw .tokenRemoved(during: function)
            }
            throw error
        }
    }

    /// A `CK_ULONG` attribute value in native byte order.
    private static func ulong(_ value: UInt) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
