import ArgumentParser
import Config
import Foundation
import GOST
import Store

/// `gosgated`: the gateway daemon.
@main
struct Gosgated: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gosgated",
        abstract: "The gosgate EPGU gateway daemon.",
        discussion: """
            This build validates the configuration, loads the GOST engine and opens the store; \
            the inbound gateway listeners are not part of this release yet.
            """,
        version: GosgateVersion.current
    )

    @Option(name: .customLong("config"), help: "Configuration file.")
    var configPath: String = GatewayConfiguration.defaultPath

    @Option(name: .customLong("check-config"), help: ArgumentHelp("Validate FILE, list every problem with its line, and exit.",
                                                                 valueName: "FILE"))
    var checkConfigPath: String?

    func run() throws {
        if let checkConfigPath {
            do {
                let configuration = try ConfigurationLoader.load(path: checkConfigPath)
                print("\(checkConfigPath): OK (\(configuration.environments.count) environments, token driver \(configuration.token.driver.rawValue))")
                return
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let configuration: GatewayConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: configPath)
            try GOSTEngine.ensureLoaded()
            let store = try GatewayStore(path: configuration.store.path)
            let audit = try store.verifyAudit()
            guard audit.isIntact else {
                let broken = audit.firstBreak.map { "record \($0.seq) \($0.reason)" } ?? ""
                throw StoreError.invalidValue("audit chain is broken at \(broken); refusing to append to it")
            }
            try store.appendAudit(kind: .system, actor: "gosgated", subject: "start",
                                  detail: ["version": GosgateVersion.current])
            print("gosgated \(GosgateVersion.current): configuration, GOST engine and store OK (\(audit.count) audit records)")
        } catch {
            FileHandle.standardError.write(Data("gosgated: \(error)\n".utf8))
            throw ExitCode(1)
        }
        FileHandle.standardError.write(Data("gosgated: the gateway listeners are not built yet; nothing to serve\n".utf8))
        throw ExitCode(1)
    }
}
