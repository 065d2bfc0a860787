import Admin
import ArgumentParser
import Config
import Foundation
import Gateway
import Logging
import Systemd
import Token

/// `gosgated`: the gateway daemon.
@main
struct Gosgated: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gosgated",
        abstract: "The gosgate EPGU gateway daemon.",
        discussion: """
            Internal systems call the EPGU API through it with their gateway keys; it obtains ESIA \
            tokens by signing on the hardware token, injects them and forwards the calls over GOST TLS. \
            Run under systemd (Type=notify-reload); logs go to the journal when it is there, else stderr.
            """,
        version: GosgateVersion.current
    )

    @Option(name: .customLong("config"), help: "Configuration file.")
    var configPath: String = GatewayConfiguration.defaultPath

    @Option(name: .customLong("check-config"),
            help: ArgumentHelp("Validate FILE, list every problem with its line, and exit.", valueName: "FILE"))
    var checkConfigPath: String?

    func run() async throws {
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
        } catch {
            FileHandle.standardError.write(Data("gosgated: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let logger = Self.makeLogger(level: configuration.log.level)
        let notifier = ServiceNotifier()
        let service: GatewayService
        do {
            let pin = try TokenPIN.systemdCredential(named: configuration.token.pinCredential)
            service = try GatewayService(configuration: configuration, pin: pin, logger: logger)
        } catch {
            logger.critical("gosgated cannot start: \(error)")
            FileHandle.standardError.write(Data("gosgated: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if configuration.token.driver == .file {
            logger.warning("token driver 'file': the signing key is a FILE ON DISK; this is a test stand, not a production gateway")
        }
        let admin: AdminServer
        let gatewaySockets: [ActivatedSocket]
        do {
            // gosgate.socket and gosgate-admin.socket, when systemd started us through them.
            let activation = try SocketActivation.takeFromProcess()
            gatewaySockets = try activation.listeners(named: "gateway")
            admin = try AdminServer.daemon(service: service, configurationPath: configPath,
                                           activation: activation, logger: logger)
        } catch {
            logger.critical("gosgated cannot start: \(error)")
            FileHandle.standardError.write(Data("gosgated: \(error)\n".utf8))
            throw ExitCode(1)
        }
        do {
            try await service.run(gatewaySockets: gatewaySockets, additionalServices: [admin]) { listeners in
                let addresses = listeners.map(\.description).joined(separator: ", ")
                logger.notice("gosgated \(GosgateVersion.current) ready: \(addresses)")
                try? notifier.ready(status: "listening: \(addresses); \(service.identities.all.count) identities")
                // WatchdogSec=: ping only while the event loops and the token managers answer.
                if let watchdog = Watchdog(notifier: notifier, logger: logger, isHealthy: { await service.isResponsive() }) {
                    Task { await watchdog.run() }
                }
            }
        } catch {
            logger.critical("gosgated stopped: \(error)")
            throw ExitCode(1)
        }
        try? notifier.stopping(status: "stopped")
    }

    /// The journal when journald listens, otherwise plain lines on stderr.
    static func makeLogger(level: LogSettings.Level) -> Logger {
        let useJournal = FileManager.default.fileExists(atPath: JournalLogHandler.defaultSocketPath)
            && ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = useJournal ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
            return handler
        }
        return Logger(label: "gosgate")
    }
}
