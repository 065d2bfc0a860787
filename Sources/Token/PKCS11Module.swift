import Foundation
import Synchronization

/// A PKCS#11 module loaded with `dlopen`, called through its `CK_FUNCTION_LIST`.
///
/// There is no `pkcs11.h` in the build, so the few structures used are laid out by hand with the
/// offsets of the C definitions on LP64 Linux (no packing): `CK_ATTRIBUTE` and `CK_MECHANISM` are
/// three 8-byte fields, `CK_TOKEN_INFO` has its flags at byte 96. A test cross-checks the function
/// table against the module's exported symbols.
///
/// A module may be initialised only once per process, so modules are shared by path and finalised
/// when the last user releases them. Calls are not serialised here; the signer runs one at a time.
final class PKCS11Module: @unchecked Sendable {
    /// What `C_GetTokenInfo` says, with the blank padding trimmed.
    struct TokenInfo: Sendable {
        let label: String
        let manufacturer: String
        let model: String
        let serialNumber: String
        let flags: UInt
        let minimumPINLength: UInt
        let maximumPINLength: UInt
    }

    /// What `C_GetSlotInfo` says.
    struct SlotInfo: Sendable {
        let description: String
        let manufacturer: String
        let flags: UInt
    }

    let path: String
    private let library: UnsafeMutableRawPointer
    private let functions: UnsafeRawPointer

    private struct Entry {
        let module: PKCS11Module
        var users: Int
    }

    private static let loaded = Mutex<[String: Entry]>([:])

    /// The module at `path`, loaded and `C_Initialize`d on first use.
    static func acquire(path: String) throws(TokenError) -> PKCS11Module {
        let result: Result<PKCS11Module, TokenError> = loaded.withLock { modules in
            if var entry = modules[path] {
                entry.users += 1
                modules[path] = entry
                return .success(entry.module)
            }
            do {
                let module = try PKCS11Module(path: path)
                modules[path] = Entry(module: module, users: 1)
                return .success(module)
            } catch let error as TokenError {
                return .failure(error)
            } catch {
                return .failure(.moduleUnavailable(path: path, reason: "\(error)"))
            }
        }
        return try result.get()
    }

    /// Gives the module back; the last user `C_Finalize`s it (the library stays mapped).
    func release() {
        let finalize = Self.loaded.withLock { modules -> Bool in
            guard var entry = modules[path] else { return false }
            entry.users -= 1
            if entry.users == 0 {
                modules[path] = nil
                return true
            }
            modules[path] = entry
            return false
        }
        if finalize { _ = call(.finalize, as: VoidPointerCall.self)(nil) }
    }

    private init(path: String) throws(TokenError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .moduleUnavailable(path: path, reason: "no such file")
        }
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw .moduleUnavailable(path: path, reason: String(cString: dlerror()))
        }
        guard let getFunctionList = dlsym(library, "C_GetFunctionList") else {
            throw .moduleUnavailable(path: path, reason: "it exports no C_GetFunctionList; is it a PKCS#11 module?")
        }
        typealias GetFunctionList = @convention(c) (UnsafeMutablePointer<UnsafeRawPointer?>?) -> UInt
        var list: UnsafeRawPointer?
        let rv = unsafeBitCast(getFunctionList, to: GetFunctionList.self)(&list)
        guard rv == 0, let list else {
            throw .moduleUnavailable(path: path, reason: "C_GetFunctionList returned \(PKCS11ReturnCode(rv))")
        }
        self.path = path
        self.library = library
        functions = list
        if let missing = PKCS11Constants.Function.allCases.first(where: { tableAddress(of: $0) == nil }) {
            throw .moduleUnavailable(path: path, reason: "its function list has no \(missing.symbol)")
        }
        try initialize()
    }

    private func initialize() throws(TokenError) {
        // CK_C_INITIALIZE_ARGS: four mutex callbacks (null), flags, pReserved.
        let arguments = UnsafeMutableRawPointer.allocate(byteCount: 48, alignment: 8)
        defer { arguments.deallocate() }
        arguments.initializeMemory(as: UInt8.self, repeating: 0, count: 48)
        arguments.storeBytes(of: PKCS11Constants.initializeOSLockingOK, toByteOffset: 32, as: UInt.self)
        let rv = PKCS11ReturnCode(call(.initialize, as: VoidPointerCall.self)(arguments))
        // Another library in this process (an OpenSSL engine, say) may have initialised it already.
        guard rv.isOK || rv == .cryptokiAlreadyInitialized else {
            throw .moduleUnavailable(path: path, reason: "C_Initialize returned \(rv)")
        }
    }

    // MARK: slots and tokens

    func slots(withTokenPresent tokenPresent: Bool) throws(TokenError) -> [UInt] {
        let getSlotList = call(.getSlotList, as: ListCall8.self)
        var count: UInt = 0
        try check(getSlotList(tokenPresent ? 1 : 0, nil, &count), .getSlotList)
        guard count > 0 else { return [] }
        var slots = [UInt](repeating: 0, count: Int(count))
        try check(getSlotList(tokenPresent ? 1 : 0, &slots, &count), .getSlotList)
        return Array(slots.prefix(Int(count)))
    }

    func slotInfo(_ slot: UInt) throws(TokenError) -> SlotInfo {
        let info = UnsafeMutableRawPointer.allocate(byteCount: 112, alignment: 8)
        defer { info.deallocate() }
        try check(call(.getSlotInfo, as: IDPointerCall.self)(slot, info), .getSlotInfo)
        return SlotInfo(description: Self.text(info, 0, 64), manufacturer: Self.text(info, 64, 32),
                        flags: info.load(fromByteOffset: 96, as: UInt.self))
    }

    func tokenInfo(_ slot: UInt) throws(TokenError) -> TokenInfo {
        let info = UnsafeMutableRawPointer.allocate(byteCount: 208, alignment: 8)
        defer { info.deallocate() }
        try check(call(.getTokenInfo, as: IDPointerCall.self)(slot, info), .getTokenInfo)
        return TokenInfo(label: Self.text(info, 0, 32), manufacturer: Self.text(info, 32, 32),
                         model: Self.text(info, 64, 16), serialNumber: Self.text(info, 80, 16),
                         flags: info.load(fromByteOffset: 96, as: UInt.self),
                         minimumPINLength: info.load(fromByteOffset: 144, as: UInt.self),
                         maximumPINLength: info.load(fromByteOffset: 136, as: UInt.self))
    }

    func mechanisms(_ slot: UInt) throws(TokenError) -> [UInt] {
        let getMechanismList = call(.getMechanismList, as: ListCall.self)
        var count: UInt = 0
        try check(getMechanismList(slot, nil, &count), .getMechanismList)
        guard count > 0 else { return [] }
        var mechanisms = [UInt](repeating: 0, count: Int(count))
        try check(getMechanismList(slot, &mechanisms, &count), .getMechanismList)
        return Array(mechanisms.prefix(Int(count)))
    }

    // MARK: sessions

    func openSession(_ slot: UInt) throws(TokenError) -> UInt {
        typealias OpenSession = @convention(c) (UInt, UInt, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?,
                                                UnsafeMutablePointer<UInt>?) -> UInt
        var session: UInt = 0
        try check(call(.openSession, as: OpenSession.self)(slot, PKCS11Constants.sessionSerial, nil, nil, &session),
                  .openSession)
        return session
    }

    func closeSession(_ session: UInt) {
        _ = call(.closeSession, as: HandleCall.self)(session)
    }

    /// `CK_SESSION_INFO.state` (1 or 3 = user functions, i.e. logged in).
    func sessionState(_ session: UInt) throws(TokenError) -> UInt {
        let info = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
        defer { info.deallocate() }
        try check(call(.getSessionInfo, as: IDPointerCall.self)(session, info), .getSessionInfo)
        return info.load(fromByteOffset: 8, as: UInt.self)
    }

    /// `C_Login` as the user; the raw code is returned because every PIN outcome matters to the caller.
    func login(_ session: UInt, pin: UnsafeRawBufferPointer) -> PKCS11ReturnCode {
        typealias Login = @convention(c) (UInt, UInt, UnsafeMutableRawPointer?, UInt) -> UInt
        return PKCS11ReturnCode(call(.login, as: Login.self)(session, PKCS11Constants.userTypeUser,
                                                             UnsafeMutableRawPointer(mutating: pin.baseAddress),
                                                             UInt(pin.count)))
    }

    func logout(_ session: UInt) {
        _ = call(.logout, as: HandleCall.self)(session)
    }

    // MARK: objects

    /// Handles of the objects matching every `(attribute, value)` pair.
    func findObjects(_ session: UInt, matching template: [(UInt, [UInt8])]) throws(TokenError) -> [UInt] {
        typealias FindInit = @convention(c) (UInt, UnsafeMutableRawPointer?, UInt) -> UInt
        typealias Find = @convention(c) (UInt, UnsafeMutablePointer<UInt>?, UInt, UnsafeMutablePointer<UInt>?) -> UInt
        let attributes = UnsafeMutableRawPointer.allocate(byteCount: 24 * max(template.count, 1), alignment: 8)
        let values = template.map { entry -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(entry.1.count, 1), alignment: 8)
            buffer.copyBytes(from: entry.1)
            return buffer
        }
        defer {
            attributes.deallocate()
            values.forEach { $0.deallocate() }
        }
        for (index, entry) in template.enumerated() {
            attributes.storeBytes(of: entry.0, toByteOffset: 24 * index, as: UInt.self)
            attributes.storeBytes(of: values[index].baseAddress, toByteOffset: 24 * index + 8,
                                  as: UnsafeMutableRawPointer?.self)
            attributes.storeBytes(of: UInt(entry.1.count), toByteOffset: 24 * index + 16, as: UInt.self)
        }
        try check(call(.findObjectsInit, as: FindInit.self)(session, attributes, UInt(template.count)),
                  .findObjectsInit)
        defer { _ = call(.findObjectsFinal, as: HandleCall.self)(session) }
        var found: [UInt] = []
        var batch = [UInt](repeating: 0, count: 16)
        while true {
            var count: UInt = 0
            try check(call(.findObjects, as: Find.self)(session, &batch, UInt(batch.count), &count), .findObjects)
            guard count > 0 else { break }
            found.append(contentsOf: batch.prefix(Int(count)))
        }
        return found
    }

    /// One attribute's value; nil when the object does not have it or will not reveal it.
    func attribute(_ type: UInt, of object: UInt, session: UInt) throws(TokenError) -> [UInt8]? {
        typealias GetAttribute = @convention(c) (UInt, UInt, UnsafeMutableRawPointer?, UInt) -> UInt
        let getAttribute = call(.getAttributeValue, as: GetAttribute.self)
        let template = UnsafeMutableRawPointer.allocate(byteCount: 24, alignment: 8)
        defer { template.deallocate() }
        template.storeBytes(of: type, toByteOffset: 0, as: UInt.self)
        template.storeBytes(of: nil, toByteOffset: 8, as: UnsafeMutableRawPointer?.self)
        template.storeBytes(of: 0, toByteOffset: 16, as: UInt.self)
        let sizing = PKCS11ReturnCode(getAttribute(session, object, template, 1))
        let length = template.load(fromByteOffset: 16, as: UInt.self)
        // CK_UNAVAILABLE_INFORMATION is ~0; sensitive or absent attributes report it.
        guard sizing.isOK, length != UInt.max else { return nil }
        guard length > 0 else { return [] }
        var value = [UInt8](repeating: 0, count: Int(length))
        let rv = value.withUnsafeMutableBytes { buffer -> UInt in
            template.storeBytes(of: buffer.baseAddress, toByteOffset: 8, as: UnsafeMutableRawPointer?.self)
            return getAttribute(session, object, template, 1)
        }
        try check(rv, .getAttributeValue)
        return Array(value.prefix(Int(template.load(fromByteOffset: 16, as: UInt.self))))
    }

    // MARK: signing

    /// `C_SignInit` + `C_Sign` (single part) with a parameterless mechanism.
    func sign(_ session: UInt, mechanism: UInt, key: UInt, data: [UInt8]) throws(TokenError) -> [UInt8] {
        typealias SignInit = @convention(c) (UInt, UnsafeMutableRawPointer?, UInt) -> UInt
        typealias Sign = @convention(c) (UInt, UnsafeMutablePointer<UInt8>?, UInt, UnsafeMutablePointer<UInt8>?,
                                         UnsafeMutablePointer<UInt>?) -> UInt
        let descriptor = UnsafeMutableRawPointer.allocate(byteCount: 24, alignment: 8)
        defer { descriptor.deallocate() }
        descriptor.storeBytes(of: mechanism, toByteOffset: 0, as: UInt.self)
        descriptor.storeBytes(of: nil, toByteOffset: 8, as: UnsafeMutableRawPointer?.self)
        descriptor.storeBytes(of: 0, toByteOffset: 16, as: UInt.self)
        try check(call(.signInit, as: SignInit.self)(session, descriptor, key), .signInit)
        var input = data
        // GOST signatures are 64 or 128 bytes; a buffer that size avoids the length-query round trip,
        // which some modules treat as the end of the operation.
        var signature = [UInt8](repeating: 0, count: 128)
        var length = UInt(signature.count)
        try check(call(.sign, as: Sign.self)(session, &input, UInt(input.count), &signature, &length), .sign)
        return Array(signature.prefix(Int(length)))
    }

    // MARK: table access

    private typealias VoidPointerCall = @convention(c) (UnsafeMutableRawPointer?) -> UInt
    private typealias HandleCall = @convention(c) (UInt) -> UInt
    private typealias IDPointerCall = @convention(c) (UInt, UnsafeMutableRawPointer?) -> UInt
    private typealias ListCall = @convention(c) (UInt, UnsafeMutablePointer<UInt>?, UnsafeMutablePointer<UInt>?) -> UInt
    private typealias ListCall8 = @convention(c) (UInt8, UnsafeMutablePointer<UInt>?, UnsafeMutablePointer<UInt>?) -> UInt

    /// The entry of `function` in the module's table (after the 2-byte version, padded to 8).
    func tableAddress(of function: PKCS11Constants.Function) -> UnsafeRawPointer? {
        functions.load(fromByteOffset: 8 + 8 * function.rawValue, as: UnsafeRawPointer?.self)
    }

    /// The module's exported symbol for `function`, if it exports one.
    func exportedAddress(of function: PKCS11Constants.Function) -> UnsafeRawPointer? {
        dlsym(library, function.symbol).map { UnsafeRawPointer($0) }
    }

    private func call<F>(_ function: PKCS11Constants.Function, as type: F.Type) -> F {
        guard let address = tableAddress(of: function) else {
            // Unreachable: init refuses a module whose table lacks any function used here.
            preconditionFailure("PKCS#11 module \(path) has no \(function.symbol) in its function list")
        }
        return unsafeBitCast(address, to: type)
    }

    private func check(_ rv: UInt, _ function: PKCS11Constants.Function) throws(TokenError) {
        let code = PKCS11ReturnCode(rv)
        guard code.isOK else { throw .pkcs11Failed(function: function.symbol, code: code) }
    }

    /// A blank-padded `CK_UTF8CHAR` field, trimmed.
    private static func text(_ base: UnsafeMutableRawPointer, _ offset: Int, _ length: Int) -> String {
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: length)
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces.union(.controlCharacters))
    }
}
