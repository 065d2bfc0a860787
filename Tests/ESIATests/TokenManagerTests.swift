import ESIA
import Foundation
import Synchronization
import Testing

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Builds a compact JWT with the given `exp` (signature is not checked by the manager).
func makeJWT(exp: Date, alg: String = "GOST3410_2012_256", extra: [String: Any] = [:]) -> String {
    func segment(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    var payload: [String: Any] = ["exp": Int(exp.timeIntervalSince1970), "iat": Int(exp.timeIntervalSince1970) - 3600,
                                  "client_id": "TESTSYS", "iss": "http://esia-portal1.test.gosuslugi.ru/"]
    payload.merge(extra) { _, new in new }
    return "\(segment(["alg": alg, "typ": "JWT", "sbt": "access", "ver": 1])).\(segment(payload)).c2lnbmF0dXJl"
}

/// An ESIA stand-in whose answers the test scripts; counts how often it is asked.
final class ScriptedSource: AccessTokenSource {
    enum Answer: Sendable { case token(lifetime: TimeInterval), failure(TokenUnavailable) }
    private let state: Mutex<(answers: [Answer], calls: Int)>
    let clock: ManualClock
    let delay: Duration

    init(clock: ManualClock, delay: Duration = .zero, _ answers: [Answer]) {
        self.clock = clock
        self.delay = delay
        state = Mutex((answers, 0))
    }

    var calls: Int { state.withLock { $0.calls } }
    func script(_ answers: [Answer]) { state.withLock { $0.answers = answers } }

    func obtainToken() async throws(TokenUnavailable) -> AccessToken {
        let answer: Answer = state.withLock { state in
            state.calls += 1
            return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        switch answer {
        case .token(let lifetime):
            return try! AccessToken(jwt: makeJWT(exp: clock.now.addingTimeInterval(lifetime)))
        case .failure(let reason):
            throw reason
        }
    }
}

/// Collects events so tests can check what would reach the audit log.
final class EventLog: TokenEventSink {
    private let events = Mutex<[TokenEvent]>([])
    func record(_ event: TokenEvent) { events.withLock { $0.append(event) } }
    var all: [TokenEvent] { events.withLock { $0 } }
}

@Suite struct TokenManagerTests {
    let clock = ManualClock()

    func manager(_ source: ScriptedSource, events: EventLog? = nil) -> TokenManager {
        TokenManager(identity: "org", source: source,
                     policy: RefreshPolicy(staleMargin: .seconds(300), staleJitter: 0, expirySafety: .seconds(10)),
                     events: events, now: { [clock] in clock.now }, random: { 0.5 })
    }

    @Test func twoHundredConcurrentCallersCauseOneAcquisition() async throws {
        let source = ScriptedSource(clock: clock, delay: .milliseconds(100), [.token(lifetime: 3600)])
        let manager = manager(source)
        let generations = await withTaskGroup(of: UInt64?.self) { group in
            for _ in 0..<200 { group.addTask { try? await manager.lease().generation } }
            var all: [UInt64?] = []
            for await generation in group { all.append(generation) }
            return all
        }
        #expect(source.calls == 1)
        #expect(generations.count == 200)
        #expect(Set(generations) == [1])
    }

    @Test func staleTokenIsServedWhileOneBackgroundRefreshRuns() async throws {
        let source = ScriptedSource(clock: clock, [.token(lifetime: 3600)])
        let manager = manager(source)
        let first = try await manager.lease()
        clock.advance(3600 - 200)  // inside the 300 s stale margin
        #expect(await manager.status().state == .stale)
        let second = try await manager.lease()
        #expect(second == first, "a stale token is still served immediately")
        await manager.settle()
        #expect(source.calls == 2)
        #expect(try await manager.lease().generation == 2)
        #expect(await manager.status().state == .fresh)
    }

    @Test func leaseIfHeldNeverWaitsAndNeverStartsTheFirstAcquisition() async throws {
        let source = ScriptedSource(clock: clock, [.token(lifetime: 3600)])
        let manager = manager(source)
        #expect(await manager.leaseIfHeld() == nil)
        await manager.settle()
        #expect(source.calls == 0, "asking what is held does not call ESIA")
        let first = try await manager.lease()
        #expect(await manager.leaseIfHeld() == first)
        clock.advance(3600 - 200)  // stale: still handed out, and one refresh starts
        #expect(await manager.leaseIfHeld() == first)
        await manager.settle()
        #expect(source.calls == 2)
        #expect(await manager.leaseIfHeld()?.generation == 2)
        clock.advance(3600)  // expired, and nothing newer: never handed out
        #expect(await manager.leaseIfHeld() == nil)
    }

    @Test func esiaDownServesTheStaleTokenUntilExpiryThenSaysWhy() async throws {
        let source = ScriptedSource(clock: clock, [.token(lifetime: 3600)])
        let events = EventLog()
        let manager = manager(source, events: events)
        let lease = try await manager.lease()
        source.script([.failure(.esiaUnreachable("connection refused"))])

        clock.advance(3600 - 200)
        #expect(try await manager.lease() == lease)
        await manager.settle()
        clock.advance(150)  // 50 s before exp: still valid, still served
        #expect(try await manager.lease() == lease)
        await manager.settle()

        clock.advance(45)  // 5 s before exp: inside the safety window, never handed out
        do {
            let stale = try await manager.lease()
            Issue.record("a token expiring in 5 s was handed out: generation \(stale.generation)")
        } catch {
            #expect(error.reason == .esiaUnreachable("connection refused"))
            #expect(error.retryAfter != nil)
        }
        #expect(events.all.contains { if case .failed(_, .esiaUnreachable, let retry) = $0 { retry != nil } else { false } })
    }

    @Test func wrongPINStopsAllAttemptsUntilAPersonActs() async throws {
        let source = ScriptedSource(clock: clock, [.failure(.pinRequired(retriesLeft: 2))])
        let manager = manager(source)
        for _ in 0..<5 {
            do {
                _ = try await manager.lease()
                Issue.record("a lease without a PIN")
            } catch {
                #expect(error.reason == .pinRequired(retriesLeft: 2))
                #expect(error.retryAfter == nil)
            }
            await manager.maintain()
            clock.advance(600)
        }
        #expect(source.calls == 1, "the token must never be asked twice after a wrong PIN")
        #expect(await manager.nextDueDate() == nil)

        source.script([.token(lifetime: 3600)])
        await manager.wake()
        await manager.settle()
        #expect(source.calls == 2)
        #expect(try await manager.lease().generation == 1)
    }

    @Test func esiaRefusalAlsoWaitsForAPerson() async throws {
        let source = ScriptedSource(clock: clock, [.failure(.esiaRefused(code: "ESIA-007053", message: "secret wrong"))])
        let manager = manager(source)
        _ = try? await manager.lease()
        clock.advance(3600)
        await manager.maintain()
        _ = try? await manager.lease()
        #expect(source.calls == 1)
    }

    @Test func transientFailuresBackOffWithGrowingDelays() async throws {
        let source = ScriptedSource(clock: clock, [.failure(.esiaUnreachable("timeout"))])
        let manager = manager(source)
        var delays: [TimeInterval] = []
        for _ in 0..<12 {
            _ = try? await manager.lease()
            await manager.settle()
            guard let due = await manager.nextDueDate() else { Issue.record("no retry scheduled"); return }
            delays.append(due.timeIntervalSince(clock.now))
            // Asking again before the backoff ends must not reach ESIA.
            let before = source.calls
            _ = try? await manager.lease()
            #expect(source.calls == before)
            clock.advance(due.timeIntervalSince(clock.now))
        }
        #expect(delays.first! >= 0.5 && delays.first! <= 1)
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(delays.last! <= 300 && delays.last! >= 150)
    }

    @Test func invalidationOfOneGenerationCausesOneRefresh() async throws {
        let source = ScriptedSource(clock: clock, delay: .milliseconds(50), [.token(lifetime: 3600)])
        let events = EventLog()
        let manager = manager(source, events: events)
        let rejected = try await manager.lease()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await manager.invalidate(generation: rejected.generation)
                    _ = try? await manager.lease()
                }
            }
        }
        #expect(source.calls == 2)
        #expect(try await manager.lease().generation == 2)
        // A late 401 for the old generation does not throw away the new token.
        await manager.invalidate(generation: rejected.generation)
        #expect(try await manager.lease().generation == 2)
        #expect(events.all.filter { if case .invalidated = $0 { true } else { false } }.count == 1)
    }

    @Test func aTokenThatIsAlreadyExpiredOnArrivalIsRefused() async throws {
        let source = ScriptedSource(clock: clock, [.token(lifetime: 5)])
        let manager = manager(source)
        await #expect(throws: TokenManager.Refusal.self) { try await manager.lease() }
        #expect(await manager.status().lastFailure?.code == "clock_unusable")
    }

    @Test func eventsNeverCarryTheToken() async throws {
        let source = ScriptedSource(clock: clock, [.token(lifetime: 3600)])
        let events = EventLog()
        let manager = manager(source, events: events)
        let lease = try await manager.lease()
        let rendered = events.all.map { "\($0)" }.joined() + "\(lease.token)"
        #expect(!rendered.contains(lease.token.bearerValue))
    }
}

@Suite struct AccessTokenTests {
    @Test func readsTheClaimsTheGatewayNeeds() throws {
        let exp = Date(timeIntervalSince1970: 1_900_000_000)
        let token = try AccessToken(jwt: makeJWT(exp: exp, extra: ["urn:esia:sbj_id": 1000299654,
                                                                  "scope": "http://lk.gosuslugi.ru/api-order openid"]))
        #expect(token.expiresAt == exp)
        #expect(token.algorithm == "GOST3410_2012_256")
        #expect(token.clientID == "TESTSYS")
        #expect(token.subjectOID == "1000299654")
        #expect(token.scopes == ["http://lk.gosuslugi.ru/api-order", "openid"])
    }

    @Test(arguments: ["", "a.b", "a.b.c.d", "!!!.e30.x", "e30.e30.x", "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.x"])
    func rejectsWhatIsNotAUsableJWT(text: String) {
        #expect(throws: ESIAError.self) { try AccessToken(jwt: text) }
    }
}

@Suite struct ESIAErrorTests {
    @Test func knownCodesGetAStableCodeAndAFix() {
        let refusal = ESIARefusal(httpStatus: 400, esiaCode: "ESIA-007053")
        #expect(refusal.code == "esia_client_secret_wrong")
        #expect(refusal.advice.contains("client_certificate_hash"))
        #expect(!refusal.isTransient)
        #expect(ESIARefusal(httpStatus: 400, esiaCode: "ESIA-007015").code == "esia_clock_skew")
        #expect(ESIARefusal(httpStatus: 503, esiaCode: nil).isTransient)
        #expect(TokenUnavailable(.refused(ESIARefusal(httpStatus: 503, esiaCode: nil))).needsPerson == false)
        #expect(TokenUnavailable(.refused(refusal)).needsPerson)
    }
}
