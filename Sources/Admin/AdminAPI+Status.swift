import Config
import ESIA
import Foundation
import Gateway
import Store
import Token

extension AdminAPI {
    func peerReport(_ call: AdminRoute.Call) -> PeerReport {
        let peer = call.request.peer
        return PeerReport(uid: peer.uid, gid: peer.gid, pid: peer.pid, user: AdminAccessPolicy.userName(of: peer.uid),
                          tier: call.tier)
    }

    func statusReport() async -> StatusReport {
        async let token = tokenReport(probe: false)
        async let upstreams = upstreamReports()
        async let quota = quotaReport()
        let now = Date()
        let head = try? service.store.auditHead()
        let audit = AuditHeadReport(length: head?.seq ?? 0, headHash: AuditExport.hex(head?.hash ?? AuditRecord.genesisHash),
                                    writable: service.auditor.isHealthy, failure: service.auditor.failure)
        let ready = await service.healthResponder.readiness()
        return StatusReport(
            version: GosgateVersion.current, startedAt: startedAt, uptimeSeconds: Int(now.timeIntervalSince(startedAt)),
            ready: ready.ready, reasons: ready.body["reasons"] as? [String] ?? [],
            token: await token, identities: await identityTokenReports(), upstreams: await upstreams,
            quota: await quota, audit: audit)
    }

    /// The token as the signer last saw it; with `probe`, the signer also asks an already open
    /// token for its presence and PIN counter (queued like a signature, a few seconds at most).
    func tokenReport(probe: Bool) async -> TokenReport {
        let driver = service.configuration.token.driver
        // Only a signer that is already open is asked: opening one may wait for an absent token.
        if probe, await service.signer.status().status != nil, let signer = try? await service.signer.current() {
            _ = try? await signer.refreshStatus(deadline: .now + .seconds(3))
        }
        let (status, lastError) = await service.signer.status()
        var readers: [TokenReport.Reader]?
        var readersError: String?
        if driver != .file {
            do {
                readers = try await Self.scanReaders()
            } catch {
                readersError = error.description
            }
        }
        return TokenReport(
            driver: driver.rawValue, opened: status != nil, present: status?.present ?? false,
            loggedIn: status?.loggedIn ?? false, pinState: status?.pin.rawValue ?? "unknown",
            pinRetriesLeft: status?.pinCounter?.retriesLeft, pinCounter: status?.pinCounter?.description,
            reader: status?.identity?.reader, label: status?.identity?.label, serial: status?.identity?.serial,
            model: status?.identity?.model, certificateSubject: status?.certificateSubject,
            certificateNotAfter: status?.certificateNotAfter, signatures: status?.signatures ?? 0,
            warnings: status?.warnings ?? [],
            lastErrorCode: lastError?.code, lastError: lastError?.description ?? status?.lastError,
            readers: readers, readersError: readersError)
    }

    func quotaReport() async -> QuotaReport {
        let uses = await service.quotaUsage()
        return QuotaReport(queueDepth: await service.governor.queueDepth(), counters: uses.map {
            QuotaReport.Counter(identity: $0.identity, environment: $0.environment, window: $0.window, limit: $0.limit,
                                used: $0.used, remaining: max(0, $0.limit - $0.used), resetsAt: $0.resetsAt)
        })
    }

    /// Every stored identity with its token manager's state (`not_loaded` when it has none).
    func identityTokenReports() async -> [IdentityTokenReport] {
        let stored = (try? service.store.identities()) ?? []
        var reports: [IdentityTokenReport] = []
        for identity in stored {
            reports.append(await identityTokenReport(name: identity.name, environment: identity.environment))
        }
        return reports
    }

    func identityTokenReport(name: String, environment: String) async -> IdentityTokenReport {
        guard let registered = service.identities.identity(named: name) else {
            return IdentityTokenReport(
                name: name, environment: environment, state: "not_loaded", expiresAt: nil, expiresInSeconds: nil,
                code: "environment_unknown",
                reason: "environment \"\(environment)\" is not configured; add it to the configuration and restart",
                waitingForPerson: true)
        }
        let status = await registered.tokens.status()
        let failure = status.state == .invalid ? (status.lastFailure ?? .notYetObtained) : nil
        return IdentityTokenReport(
            name: name, environment: environment, state: status.state.rawValue, expiresAt: status.expiresAt,
            expiresInSeconds: status.expiresAt.map { max(0, Int($0.timeIntervalSinceNow)) },
            code: failure?.code, reason: failure?.description, waitingForPerson: status.waitingForPerson)
    }

    /// ESIA and EPGU of every configured environment, probed concurrently.
    func upstreamReports() async -> [UpstreamReport] {
        let environments = service.configuration.environments.sorted { $0.key < $1.key }
        return await withTaskGroup(of: (Int, UpstreamReport).self) { group in
            var index = 0
            for (name, settings) in environments {
                for (service, url) in [("esia", settings.esia), ("epgu", settings.epgu)] {
                    let position = index
                    group.addTask {
                        (position, await UpstreamProbe.check(environment: name, service: service, url: url,
                                                             proxy: settings.proxy))
                    }
                    index += 1
                }
            }
            var reports: [(Int, UpstreamReport)] = []
            for await report in group { reports.append(report) }
            return reports.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// PC/SC readers right now, off the cooperative pool (pcscd calls block).
    private static func scanReaders() async throws(TokenError) -> [TokenReport.Reader] {
        let result: Result<PresenceSnapshot, TokenError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Result { () throws(TokenError) in try PresenceMonitor.scan() })
            }
        }
        return try result.get().readers.map {
            TokenReport.Reader(name: $0.name, cardPresent: $0.cardPresent, cardName: $0.cardName)
        }
    }
}
