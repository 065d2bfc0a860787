import Foundation
import GOST
import Logging
import Synchronization

/// Watches pcscd for readers and cards with `SCardGetStatusChange`, including pcsc-lite's
/// `\\?PnP?\Notification` pseudo-reader for readers coming and going, and publishes the current
/// state plus a stream of events.
///
/// It runs on its own thread (the call blocks), and survives pcscd restarts: when pcscd goes away
/// every reader is reported removed, and the monitor reconnects with exponential backoff.
public final class PresenceMonitor: Sendable {
    private struct State {
        var running = false
        var context: PCSCContext?
        var snapshot = PresenceSnapshot.empty
        var subscribers: [UUID: AsyncStream<PresenceEvent>.Continuation] = [:]
        var eventCounters: [String: UInt] = [:]
    }

    private let logger: Logger
    private let backoff: ClosedRange<Duration>
    private let pollInterval: Duration
    private let state = Mutex(State())
    private let wakeUp = NSCondition()

    /// - Parameters:
    ///   - reconnectBackoff: first and longest pause between attempts to reach pcscd.
    ///   - pollInterval: longest single wait in `SCardGetStatusChange` (it returns at once on a change).
    public init(logger: Logger = Logger(label: "gosgate.token.presence"),
                reconnectBackoff: ClosedRange<Duration> = .milliseconds(100)...(.seconds(5)),
                pollInterval: Duration = .seconds(2)) {
        self.logger = logger
        backoff = reconnectBackoff
        self.pollInterval = pollInterval
    }

    /// One look at pcscd without starting a monitor: readers and cards right now.
    public static func scan() throws(TokenError) -> PresenceSnapshot {
        let context = try PCSCContext()
        let readers = try context.readers()
        guard !readers.isEmpty else { return PresenceSnapshot(serviceAvailable: true, readers: []) }
        let (states, rv) = context.waitForChange(readers, known: [:], timeout: .zero)
        guard rv.isSuccess || rv == .timeout else { throw PCSCContext.error("SCardGetStatusChange", rv) }
        return PresenceSnapshot(serviceAvailable: true, readers: states.map { state in
            let present = state.isCardPresent && !state.isGone
            return PresenceSnapshot.Reader(
                name: state.name, cardPresent: present,
                answerToReset: present ? state.answerToReset.hexString : nil,
                cardName: present ? TokenModel.name(forAnswerToReset: state.answerToReset) : nil)
        })
    }

    /// What is attached right now.
    public var snapshot: PresenceSnapshot { state.withLock { $0.snapshot } }

    /// Events from now on (the current state is in `snapshot`); ends when the monitor stops.
    /// Subscribing before `start()` is fine and sees the initial readers and cards as events.
    public func events() -> AsyncStream<PresenceEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PresenceEvent.self,
                                                            bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        state.withLock { $0.subscribers[id] = continuation }
        return stream
    }

    /// Starts watching (once).
    public func start() {
        let alreadyRunning = state.withLock { state -> Bool in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else { return }
        let thread = Thread { [self] in run() }
        thread.name = "gosgate.presence"
        thread.start()
    }

    /// Stops watching and ends every event stream.
    public func stop() {
        let (context, subscribers) = state.withLock { state in
            state.running = false
            defer { state.subscribers = [:] }
            return (state.context, Array(state.subscribers.values))
        }
        context?.cancel()
        wakeUp.lock()
        wakeUp.broadcast()
        wakeUp.unlock()
        subscribers.forEach { $0.finish() }
    }

    private var isRunning: Bool { state.withLock { $0.running } }

    // MARK: the watching thread

    private func run() {
        var delay = backoff.lowerBound
        var reportedLoss = false
        while isRunning {
            let context: PCSCContext
            do {
                context = try PCSCContext()
            } catch {
                if !reportedLoss {
                    serviceLost("\(error)")
                    reportedLoss = true
                }
                pause(delay)
                delay = min(delay * 2, backoff.upperBound)
                continue
            }
            delay = backoff.lowerBound
            reportedLoss = false
            state.withLock { $0.context = context }
            let available = state.withLock { state -> Bool in
                defer { state.snapshot.serviceAvailable = true }
                return state.snapshot.serviceAvailable
            }
            if !available {
                logger.info("pcscd available")
                publish(.serviceAvailable)
            }
            let reason = watch(context)
            state.withLock { $0.context = nil }
            guard isRunning else { break }
            serviceLost(reason)
            reportedLoss = true
            pause(delay)
        }
    }

    /// Follows readers and cards until pcscd goes away or the monitor stops; returns why it ended.
    private func watch(_ context: PCSCContext) -> String {
        var known: [String: UInt] = [:]
        while isRunning {
            let readers: [String]
            do {
                readers = try context.readers()
            } catch {
                return "\(error)"
            }
            updateReaders(readers)
            known = known.filter { readers.contains($0.key) || $0.key == PCSCContext.plugAndPlayReader }
            let (states, rv) = context.waitForChange(readers + [PCSCContext.plugAndPlayReader], known: known,
                                                     timeout: pollInterval)
            switch rv {
            case .success:
                for reader in states {
                    known[reader.name] = reader.eventState
                    if reader.name != PCSCContext.plugAndPlayReader { updateCard(reader) }
                }
            case .timeout, .unknownReader:
                continue
            case .cancelled, .systemCancelled:
                if !isRunning { return "stopped" }
            default:
                if rv.meansServiceLost || !context.isValid { return "\(rv)" }
                logger.warning("SCardGetStatusChange failed: \(rv)")
                pause(backoff.lowerBound)
            }
        }
        return "stopped"
    }

    private func updateReaders(_ readers: [String]) {
        let (attached, removed) = state.withLock { state -> ([String], [PresenceSnapshot.Reader]) in
            let current = Set(state.snapshot.readers.map(\.name))
            let attached = readers.filter { !current.contains($0) }
            let removed = state.snapshot.readers.filter { !readers.contains($0.name) }
            state.snapshot.readers.removeAll { !readers.contains($0.name) }
            state.snapshot.readers += attached.map { PresenceSnapshot.Reader(name: $0, cardPresent: false) }
            return (attached, removed)
        }
        for reader in removed {
            if reader.cardPresent {
                logger.info("card removed", metadata: ["reader": "\(reader.name)"])
                publish(.cardRemoved(reader: reader.name))
            }
            logger.info("reader removed", metadata: ["reader": "\(reader.name)"])
            publish(.readerRemoved(reader.name))
        }
        for reader in attached {
            logger.info("reader attached", metadata: ["reader": "\(reader)"])
            publish(.readerAttached(reader))
        }
    }

    private func updateCard(_ reader: PCSCContext.ReaderState) {
        let present = reader.isCardPresent && !reader.isGone
        let atrHex = reader.answerToReset.hexString
        let counterMoved = eventCounterMoved(reader)
        let events = state.withLock { state -> [PresenceEvent] in
            guard let index = state.snapshot.readers.firstIndex(where: { $0.name == reader.name }) else { return [] }
            let before = state.snapshot.readers[index]
            state.snapshot.readers[index].cardPresent = present
            state.snapshot.readers[index].answerToReset = present ? atrHex : nil
            state.snapshot.readers[index].cardName = present ? TokenModel.name(forAnswerToReset: reader.answerToReset) : nil
            switch (before.cardPresent, present) {
            case (false, true):
                return [.cardInserted(reader: reader.name, answerToReset: reader.answerToReset)]
            case (true, false):
                return [.cardRemoved(reader: reader.name)]
            case (true, true) where counterMoved:
                // Pulled and put back between two polls: pcsc-lite's event counter moved.
                return [.cardRemoved(reader: reader.name),
                        .cardInserted(reader: reader.name, answerToReset: reader.answerToReset)]
            default:
                return []
            }
        }
        for event in events {
            logger.info("\(event)")
            publish(event)
        }
    }

    /// Records pcsc-lite's per-reader card event counter (high 16 bits of the event state) and says
    /// whether it moved since the last report for this reader.
    private func eventCounterMoved(_ reader: PCSCContext.ReaderState) -> Bool {
        let counter = reader.eventState >> 16
        let previous = state.withLock { state -> UInt? in
            defer { state.eventCounters[reader.name] = counter }
            return state.eventCounters[reader.name]
        }
        return previous.map { $0 != counter } ?? false
    }

    private func serviceLost(_ reason: String) {
        let readers = state.withLock { state -> [PresenceSnapshot.Reader] in
            defer {
                state.snapshot = .empty
                state.eventCounters = [:]
            }
            return state.snapshot.readers
        }
        for reader in readers {
            if reader.cardPresent { publish(.cardRemoved(reader: reader.name)) }
            publish(.readerRemoved(reader.name))
        }
        logger.warning("pcscd unavailable; retrying with backoff", metadata: ["reason": "\(reason)"])
        publish(.serviceLost(reason))
    }

    private func publish(_ event: PresenceEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        subscribers.forEach { $0.yield(event) }
    }

    /// Sleeps up to `duration`, waking early when the monitor stops.
    private func pause(_ duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        wakeUp.lock()
        if isRunning { _ = wakeUp.wait(until: Date(timeIntervalSinceNow: seconds)) }
        wakeUp.unlock()
    }
}
