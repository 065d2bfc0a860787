import ArgumentParser
import Dispatch
import Foundation
import Stand

/// `gosgate-stand serve --dir DIR`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve ESIA and EPGU from a stand directory until SIGINT or SIGTERM."
    )

    @Option(help: "The stand directory written by `gosgate-stand init`.")
    var dir: String

    @Flag(help: "Plain HTTP instead of GOST TLS.")
    var plain = false

    @Option(help: "Address to listen on (loopback by default).")
    var host: String?

    @Option(help: "EPGU port (also ESIA's unless --esia-port is given); 0 picks a free one.")
    var port: Int?

    @Option(name: .customLong("esia-port"), help: "A separate port for ESIA.")
    var esiaPort: Int?

    func run() async throws {
        var configuration: StandConfiguration
        do {
            configuration = try StandConfiguration.load(from: URL(fileURLWithPath: dir).appendingPathComponent(StandConfiguration.fileName).path)
        } catch {
            throw ValidationError(error.description)
        }
        if plain { configuration.listener.tls = false }
        if let host { configuration.listener.host = host }
        if let port { configuration.listener.port = port }
        if let esiaPort { configuration.listener.esiaPort = esiaPort }

        let stand: Stand
        let endpoints: Stand.Endpoints
        do {
            stand = try Stand(configuration: configuration)
            endpoints = try await stand.start()
        } catch {
            print("gosgate-stand: \(error)")
            throw ExitCode(1)
        }
        print("gosgate-stand \(configuration.environment): EPGU \(endpoints.epguURL.absoluteString), ESIA \(endpoints.esiaURL.absoluteString)\(configuration.listener.tls ? " (GOST TLS \(configuration.listener.cipherList))" : " (plain HTTP)")")
        fflush(nil)
        let signal = await Self.waitForTerminationSignal()
        print("gosgate-stand: \(signal), stopping")
        await stand.stop()
    }

    /// Waits for SIGINT or SIGTERM and says which arrived.
    private static func waitForTerminationSignal() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "gosgate-stand.signals")
            let once = SignalOnce(continuation)
            for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { once.resume(name) }
                source.resume()
                once.keep(source)
            }
        }
    }
}

/// Resumes a continuation for the first signal only, and keeps the signal sources alive meanwhile.
private final class SignalOnce: @unchecked Sendable {
    // @unchecked: touched only on the serial signal queue (and once during setup, before any signal).
    private var continuation: CheckedContinuation<String, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation = continuation
    }

    func keep(_ source: any DispatchSourceSignal) {
        sources.append(source)
    }

    func resume(_ name: String) {
        continuation?.resume(returning: name)
        continuation = nil
    }
}
