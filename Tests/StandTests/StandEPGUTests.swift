import Foundation
import Testing
import TestSupport

/// The emulated EPGU API driven by curl: order lifecycle, chunk rules, downloads, 401s, 429s,
/// dictionaries, persistence.
@Suite("Stand EPGU")
struct StandEPGUTests {
    static let orderBody = #"{"region":"45000000000","serviceCode":"10000000001","targetCode":"-10000000001"}"#
    static let meta = #"{"region":"45000000000","serviceCode":"10000000001","targetCode":"-10000000001"};type=application/json"#

    /// A zip archive made by the `zip` command.
    static func makeZip(_ stand: StandHarness, name: String = "order", megabytes: Int = 0) async throws -> String {
        let folder = stand.path("\(name)-content")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("<req>stand</req>".utf8).write(to: URL(fileURLWithPath: folder + "/req.xml"))
        if megabytes > 0 {
            // Random bytes do not compress, so the archive is about this large.
            let random = try await ChildProcess.run("/usr/bin/head", ["-c", "\(megabytes * 1_000_000)", "/dev/urandom"])
            try random.stdout.write(to: URL(fileURLWithPath: folder + "/scan.bin"))
        }
        let zip = stand.path("\(name).zip")
        let result = try await ChildProcess.run("/usr/bin/zip", ["-q", "-j", "-0", zip, folder + "/req.xml"]
                                                + (megabytes > 0 ? [folder + "/scan.bin"] : []))
        try #require(result.status == 0, "\(result.stderr)")
        return zip
    }

    static func sha256(_ path: String) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/sha256sum", [path])
        return String(result.stdoutText.prefix { $0 != " " })
    }

    static func createOrder(_ stand: StandHarness, token: String, service: String = "10000000001") async throws -> Curl.Reply {
        try await stand.curl(token: token, ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                                            orderBody.replacingOccurrences(of: "10000000001", with: service),
                                            stand.epguURL("/api/gusmev/order")])
    }

    static func pushChunk(_ stand: StandHarness, token: String, orderID: Int64, file: String,
                          chunk: Int?, chunks: Int?, meta: Bool = true) async throws -> Curl.Reply {
        var form = ["-F", "orderId=\(orderID)", "-F", "file=@\(file);type=application/octet-stream"]
        if let chunk { form += ["-F", "chunk=\(chunk)"] }
        if let chunks { form += ["-F", "chunks=\(chunks)"] }
        if meta { form += ["-F", "meta=\(Self.meta)"] }
        return try await stand.curl(token: token, form + [stand.epguURL("/api/gusmev/push/chunked")])
    }

    static func details(_ stand: StandHarness, token: String, orderID: Int64) async throws -> (reply: Curl.Reply, order: [String: Any]?) {
        let reply = try await stand.curl(token: token, ["-X", "POST", stand.epguURL("/api/gusmev/order/\(orderID)")])
        let order = (reply.json?["order"] as? String).flatMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        return (reply, order)
    }

    @Test("order lifecycle over GOST TLS: reserve, push, NEW → FILES_VERIFICATION → DONE, statuses, both downloads")
    func lifecycle() async throws {
        try await StandHarness.with(tls: true) { stand in
            let token = try await stand.obtainToken()
            let created = try await Self.createOrder(stand, token: token)
            #expect(created.status == 200, "\(created.exitCode) \(created.stderr) \(created.text)")
            let orderID = try #require((created.json?["orderId"] as? NSNumber)?.int64Value)

            let reserved = try await Self.details(stand, token: token, orderID: orderID)
            #expect(reserved.reply.json?["code"] as? String == "NEW")
            #expect(reserved.order?["cancelAllowed"] as? Bool == true)

            let zip = try await Self.makeZip(stand)
            let pushed = try await Self.pushChunk(stand, token: token, orderID: orderID, file: zip, chunk: nil, chunks: nil)
            #expect(pushed.status == 200, "\(pushed.text)")
            #expect((pushed.json?["orderId"] as? NSNumber)?.int64Value == orderID)

            #expect(try await Self.details(stand, token: token, orderID: orderID).reply.json?["code"] as? String == "NEW")
            try await stand.advanceClock(seconds: stand.configuration.epgu.verificationDelaySeconds + 1)
            #expect(try await Self.details(stand, token: token, orderID: orderID).reply.json?["code"] as? String == "FILES_VERIFICATION")
            try await stand.advanceClock(seconds: stand.configuration.epgu.completionDelaySeconds)
            let done = try await Self.details(stand, token: token, orderID: orderID)
            #expect(done.reply.json?["code"] as? String == "DONE", "\(done.reply.text)")
            #expect(done.order?["cancelAllowed"] as? Bool == false)
            let codes = (done.order?["statuses"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            #expect(codes == ["NEW", "NEW", "FILES_VERIFICATION", "DONE"])

            // The archive comes back byte for byte through the v1.12.1 path.
            let attachment = try #require((done.order?["orderAttachmentFiles"] as? [[String: Any]])?.first)
            let link = try #require(attachment["link"] as? String)
            let linkParts = link.replacingOccurrences(of: "terrabyte://", with: "").split(separator: "/")
            #expect(linkParts.count == 4 && linkParts[2] == stand.mnemonic[...], "\(link)")
            let downloaded = stand.path("downloaded.zip")
            let old = try await stand.curl(token: token, [
                stand.epguURL("/api/storage/v2/files/\(linkParts[1])/\(linkParts[3])/download?mnemonic=\(stand.mnemonic)")])
            #expect(old.status == 200, "\(old.text)")
            #expect(old.headers["content-disposition"]?.contains("attachment") == true)
            try old.body.write(to: URL(fileURLWithPath: downloaded))
            let compare = try await ChildProcess.run("/usr/bin/cmp", [zip, downloaded])
            #expect(compare.status == 0, "\(compare.stdoutText)")

            // The result file through the v1.13 path, whose objectId is the DONE status history id.
            let result = try #require((done.order?["orderResponseFiles"] as? [[String: Any]])?.first)
            let resultParts = try #require(result["link"] as? String).replacingOccurrences(of: "terrabyte://", with: "").split(separator: "/")
            #expect(Int64(resultParts[1]) == (done.order?["currentStatusHistoryId"] as? NSNumber)?.int64Value)
            let new = try await stand.curl(token: token, [
                stand.epguURL("/api/gusmev/files/download/\(resultParts[1])/\(resultParts[3])?mnemonic=\(stand.mnemonic)&eserviceCode=10000000001")])
            #expect(new.status == 200 && new.text.contains("<status>DONE</status>"), "\(new.text)")
            let noService = try await stand.curl(token: token, [
                stand.epguURL("/api/gusmev/files/download/\(resultParts[1])/\(resultParts[3])?mnemonic=\(stand.mnemonic)")])
            #expect(noService.status == 400)

            // Status lists, with and without the trailing slash.
            for path in ["/api/gusmev/order/getOrdersStatus", "/api/gusmev/order/getOrdersStatus/"] {
                let statuses = try await stand.curl(token: token, [stand.epguURL("\(path)?pageNum=0&pageSize=10&orderIds=\(orderID),1")])
                #expect(statuses.status == 200, "\(path): \(statuses.text)")
                let content = statuses.json?["content"] as? [[String: Any]]
                #expect(content?.first?["orderSearchStatus"] as? String == "FOUND")
                #expect(content?.last?["orderSearchStatus"] as? String == "NOT_FOUND")
                #expect(((content?.first?["status"] as? [String: Any])?["statusId"] as? NSNumber)?.intValue == 3)
            }
            for path in ["/api/gusmev/order/getUpdatedAfter", "/api/gusmev/order/getUpdatedAfter/"] {
                let updated = try await stand.curl(token: token, [stand.epguURL("\(path)?pageNum=0&pageSize=10&updatedAfter=2020-01-01T00:00:00.000")])
                #expect(updated.status == 200, "\(path): \(updated.text)")
                #expect(((updated.json?["content"] as? [[String: Any]])?.first?["orderId"] as? NSNumber)?.int64Value == orderID)
                let future = try await stand.curl(token: token, [stand.epguURL("\(path)?updatedAfter=2999-01-01T00:00:00.000")])
                #expect((future.json?["totalCount"] as? NSNumber)?.intValue == 0, "\(future.text)")
            }

            // DONE cannot be cancelled; an unknown order is 204 without a body.
            let cancel = try await stand.curl(token: token, ["-X", "POST", stand.epguURL("/api/gusmev/order/\(orderID)/cancel")])
            #expect(cancel.status == 405 && cancel.json?["code"] as? String == "cancel_not_allowed", "\(cancel.text)")
            let unknown = try await Self.details(stand, token: token, orderID: 42)
            #expect(unknown.reply.status == 204 && unknown.reply.body.isEmpty)
        }
    }

    @Test("chunked push: numbering, first-first, last-last, size floor, 206 then 200, digest of the assembled archive")
    func chunkRules() async throws {
        try await StandHarness.with { stand in
            let token = try await stand.obtainToken()
            let orderID = try #require((try await Self.createOrder(stand, token: token).json?["orderId"] as? NSNumber)?.int64Value)
            // 11 MB split by bytes into 5 000 000-byte chunks: 3 chunks, the last one small.
            let zip = try await Self.makeZip(stand, megabytes: 11)
            let split = try await ChildProcess.run("/usr/bin/split", ["-b", "5000000", "-d", "-a", "3", zip, stand.path("part.z")])
            try #require(split.status == 0, "\(split.stderr)")
            let parts = (0..<3).map { stand.path(String(format: "part.z%03d", $0)) }
            #expect(FileManager.default.fileExists(atPath: parts[2]))
            let small = stand.path("small.bin")
            try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: small))

            func expectBadRequest(_ reply: Curl.Reply, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(reply.status == 400, "\(reply.text)", sourceLocation: sourceLocation)
                #expect((reply.json?["message"] as? String)?.contains(text) == true, "\(reply.text)", sourceLocation: sourceLocation)
            }
            expectBadRequest(try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[1], chunk: 1, chunks: 3),
                             mentioning: "first chunk")
            expectBadRequest(try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[0], chunk: 3, chunks: 3),
                             mentioning: "numbered from 0")
            expectBadRequest(try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[0], chunk: 0, chunks: nil),
                             mentioning: "go together")
            expectBadRequest(try await Self.pushChunk(stand, token: token, orderID: orderID, file: small, chunk: 0, chunks: 3),
                             mentioning: "at least 5000000")

            let first = try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[0], chunk: 0, chunks: 3)
            #expect(first.status == 206, "\(first.text)")
            #expect((first.json?["orderId"] as? NSNumber)?.int64Value == orderID)
            expectBadRequest(try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[0], chunk: 0, chunks: 3),
                             mentioning: "already received")
            expectBadRequest(try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[2], chunk: 2, chunks: 3),
                             mentioning: "must be sent last")
            let middle = try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[1], chunk: 1, chunks: 3, meta: false)
            #expect(middle.status == 206, "\(middle.text)")
            let last = try await Self.pushChunk(stand, token: token, orderID: orderID, file: parts[2], chunk: 2, chunks: 3)
            #expect(last.status == 200, "\(last.text)")

            // The stand recorded the archive's digest; sha256sum of the original must match, read by sqlite3.
            let rows = try await stand.sqlite("SELECT sha256, size FROM order_file WHERE order_id = \(orderID) AND object_type = 2")
            #expect(rows.first?["sha256"] as? String == (try await Self.sha256(zip)))
            let attributes = try FileManager.default.attributesOfItem(atPath: zip)
            #expect((rows.first?["size"] as? NSNumber)?.int64Value == (attributes[.size] as? NSNumber)?.int64Value)

            expectBadRequest(try await Self.pushChunk(stand, token: token, orderID: orderID, file: small, chunk: nil, chunks: nil),
                             mentioning: "already sent")
        }
    }

    @Test("chunks must all arrive within the window of the first")
    func chunkWindow() async throws {
        try await StandHarness.with(adjust: { $0.epgu.minimumChunkBytes = 100 }) { stand in
            let token = try await stand.obtainToken()
            let orderID = try #require((try await Self.createOrder(stand, token: token).json?["orderId"] as? NSNumber)?.int64Value)
            let piece = stand.path("piece.bin")
            try Data(repeating: 1, count: 200).write(to: URL(fileURLWithPath: piece))
            #expect(try await Self.pushChunk(stand, token: token, orderID: orderID, file: piece, chunk: 0, chunks: 2).status == 206)
            try await stand.advanceClock(seconds: stand.configuration.epgu.chunkWindowSeconds + 1)
            let late = try await Self.pushChunk(stand, token: token, orderID: orderID, file: piece, chunk: 1, chunks: 2)
            #expect(late.status == 400 && (late.json?["message"] as? String)?.contains("within") == true, "\(late.text)")
            // A fresh start from chunk 0 works.
            #expect(try await Self.pushChunk(stand, token: token, orderID: orderID, file: piece, chunk: 0, chunks: 2).status == 206)
            #expect(try await Self.pushChunk(stand, token: token, orderID: orderID, file: piece, chunk: 1, chunks: 2).status == 200)
        }
    }

    @Test("push creates and sends in one call; a file that is not a zip ends in FILES_VERIFICATION_FAILED")
    func pushInOneCall() async throws {
        try await StandHarness.with { stand in
            let token = try await stand.obtainToken()
            let zip = try await Self.makeZip(stand)
            let pushed = try await stand.curl(token: token, ["-H", "Expect:", "-F", "meta=\(Self.meta)", "-F", "file=@\(zip)",
                                                             stand.epguURL("/api/gusmev/push")])
            #expect(pushed.status == 200, "\(pushed.text)")
            let noMeta = try await stand.curl(token: token, ["-F", "file=@\(zip)", stand.epguURL("/api/gusmev/push")])
            #expect(noMeta.status == 400 && (noMeta.json?["message"] as? String)?.contains("meta") == true, "\(noMeta.text)")

            let text = stand.path("not-a-zip.txt")
            try Data("plain text".utf8).write(to: URL(fileURLWithPath: text))
            let wrong = try await stand.curl(token: token, ["-F", "meta=\(Self.meta)", "-F", "file=@\(text)",
                                                            stand.epguURL("/api/gusmev/push")])
            let wrongID = try #require((wrong.json?["orderId"] as? NSNumber)?.int64Value)
            try await stand.advanceClock(seconds: 60)
            #expect(try await Self.details(stand, token: try await stand.obtainToken(), orderID: wrongID).reply.json?["code"] as? String
                    == "FILES_VERIFICATION_FAILED")
        }
    }

    @Test("a file over the size limit is refused while it streams in, and nothing of it stays on disk")
    func oversizedUpload() async throws {
        try await StandHarness.with(adjust: { $0.epgu.maximumPushBytes = 100_000 }) { stand in
            let token = try await stand.obtainToken()
            let big = stand.path("big.zip")
            try (Data("PK\u{3}\u{4}".utf8) + Data(repeating: 0x41, count: 300_000)).write(to: URL(fileURLWithPath: big))
            let refused = try await stand.curl(token: token, ["-F", "meta=\(Self.meta)", "-F", "file=@\(big)",
                                                              stand.epguURL("/api/gusmev/push")])
            #expect(refused.status == 400 && (refused.json?["message"] as? String)?.contains("larger than 100000") == true,
                    "\(refused.text)")
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: stand.path("uploads/files"))) ?? []
            #expect(leftovers.isEmpty, "\(leftovers)")
            #expect(try await stand.sqlite("SELECT id FROM orders").isEmpty)
        }
    }

    @Test("401 for a missing, expired, revoked or foreign token; 403 for another user's order")
    func unauthorized() async throws {
        try await StandHarness.with { stand in
            let none = try await Self.createOrder(stand, token: "")
            #expect(none.status == 401)
            let noHeader = try await stand.curl(["-X", "POST", stand.epguURL("/api/gusmev/order/1")])
            #expect(noHeader.status == 401 && noHeader.headers["www-authenticate"]?.hasPrefix("Bearer") == true)

            // A token from another stand (another key, another issuer) is another environment's.
            try await StandHarness.with(adjust: { $0.issuer = "http://esia-portal1.test.gosuslugi.ru/" }) { other in
                let foreign = try await other.obtainToken()
                let reply = try await Self.createOrder(stand, token: foreign)
                #expect(reply.status == 401, "\(reply.text)")
            }

            // Revocation after N calls: one more call works, then 401, and a new token works again.
            let token = try await stand.obtainToken()
            try await stand.setFaults(#"{"unauthorizedAfterCalls": 1}"#)
            #expect(try await Self.createOrder(stand, token: token).status == 200)
            let revoked = try await Self.createOrder(stand, token: token)
            #expect(revoked.status == 401 && (revoked.json?["message"] as? String)?.contains("revoked") == true, "\(revoked.text)")
            let renewed = try await stand.obtainToken()
            let mine = try await Self.createOrder(stand, token: renewed)
            #expect(mine.status == 200, "\(mine.text)")

            // Another employee's token cannot read this order.
            let orderID = try #require((mine.json?["orderId"] as? NSNumber)?.int64Value)
            let colleague = try await stand.obtainToken(apiKey: stand.secondAPIKey)
            let foreignOrder = try await Self.details(stand, token: colleague, orderID: orderID)
            #expect(foreignOrder.reply.status == 403 && foreignOrder.reply.json?["code"] as? String == "order_access")

            // Expiry: the stand's clock moves past exp.
            try await stand.advanceClock(seconds: stand.configuration.tokens.lifetimeSeconds + 1)
            let expired = try await Self.details(stand, token: renewed, orderID: orderID)
            #expect(expired.reply.status == 401 && (expired.reply.json?["message"] as? String)?.contains("expired") == true)
        }
    }

    @Test("429 with Retry-After: 20 orders per service per user per 10 minutes, per-system limits, the rateLimit fault")
    func limits() async throws {
        try await StandHarness.with(adjust: { $0.epgu.systemLimits.perMinute = 40 }) { stand in
            let token = try await stand.obtainToken()
            let colleague = try await stand.obtainToken(apiKey: stand.secondAPIKey)
            // Start at the beginning of a fresh 10-minute window, so all 21 orders fall into one.
            let intoWindow = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 600)
            try await stand.advanceClock(seconds: Int((600 - intoWindow).rounded(.up)) + 1)
            for _ in 0..<20 {
                let reply = try await Self.createOrder(stand, token: token)
                try #require(reply.status == 200, "\(reply.text)")
            }
            let over = try await Self.createOrder(stand, token: token)
            #expect(over.status == 429 && over.json?["code"] as? String == "limitation_exception", "\(over.text)")
            let retryAfter = try #require(over.headers["retry-after"].flatMap { Int($0) })
            #expect(retryAfter >= 1 && retryAfter <= 600)
            // Another service, and another user, still have room.
            #expect(try await Self.createOrder(stand, token: token, service: "10000000002").status == 200)
            #expect(try await Self.createOrder(stand, token: colleague).status == 200)

            // 23 calls so far this minute for the system; the 41st in the minute is refused whoever calls.
            var status = 0
            var calls = 23
            while calls < 41 {
                status = try await stand.curl(token: token, [stand.epguURL("/api/gusmev/order/getOrdersStatus?orderIds=1")]).status
                calls += 1
                if status == 429 { break }
            }
            // The minute may have rolled over meanwhile; then the count restarted and no 429 is due yet.
            #expect(status == 429 || calls == 41)

            try await stand.setFaults(#"{"rateLimit": {"count": 1, "retryAfterSeconds": 7}}"#)
            let injected = try await stand.curl(token: token, [stand.epguURL("/api/gusmev/order/getOrdersStatus?orderIds=1")])
            #expect(injected.status == 429 && injected.headers["retry-after"] == "7")
        }
    }

    @Test("dictionaries need no token; unknown ones answer error code 7 with HTTP 200")
    func dictionaries() async throws {
        try await StandHarness.with(tls: true) { stand in
            let bic = try await stand.curl(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                                            #"{"treeFiltering":"ONELEVEL","pageNum":1,"pageSize":2}"#,
                                            stand.epguURL("/api/nsi/v1/dictionary/EXTERNAL_BIC")])
            #expect(bic.status == 200, "\(bic.exitCode) \(bic.stderr) \(bic.text)")
            #expect(((bic.json?["error"] as? [String: Any])?["code"] as? NSNumber)?.intValue == 0)
            #expect((bic.json?["items"] as? [Any])?.count == 2)
            #expect((bic.json?["total"] as? NSNumber)?.intValue == 3)

            let subtree = try await stand.curl(["-X", "POST", "--data-binary", #"{"treeFiltering":"SUBTREE","parentRefItemValue":"45000000000"}"#,
                                                stand.epguURL("/api/nsi/v1/dictionary/OKATO_STAND")])
            #expect((subtree.json?["items"] as? [[String: Any]])?.allSatisfy { $0["parentValue"] as? String == "45000000000" } == true)

            let unknown = try await stand.curl(["-X", "POST", "--data-binary", "{}", stand.epguURL("/api/nsi/v1/dictionary/NO_SUCH")])
            #expect(unknown.status == 200)
            #expect(((unknown.json?["error"] as? [String: Any])?["code"] as? NSNumber)?.intValue == 7)
        }
    }

    @Test("orders, statuses and files survive a restart, and statuses keep advancing")
    func persistence() async throws {
        try await StandHarness.with { stand in
            let token = try await stand.obtainToken()
            let orderID = try #require((try await Self.createOrder(stand, token: token).json?["orderId"] as? NSNumber)?.int64Value)
            let zip = try await Self.makeZip(stand)
            #expect(try await Self.pushChunk(stand, token: token, orderID: orderID, file: zip, chunk: 0, chunks: 1).status == 200)

            try await stand.restart()
            let again = try await stand.obtainToken()
            let before = try await Self.details(stand, token: again, orderID: orderID)
            #expect(before.reply.json?["code"] as? String == "NEW", "\(before.reply.text)")
            // The new process's clock: move it past both delays.
            try await stand.advanceClock(seconds: 60)
            let after = try await Self.details(stand, token: try await stand.obtainToken(), orderID: orderID)
            #expect(after.reply.json?["code"] as? String == "DONE", "\(after.reply.text)")
            let next = try #require((try await Self.createOrder(stand, token: try await stand.obtainToken()).json?["orderId"] as? NSNumber)?.int64Value)
            #expect(next == orderID + 1)
        }
    }

    @Test("server-error, latency and dropped-connection faults")
    func faults() async throws {
        try await StandHarness.with { stand in
            let token = try await stand.obtainToken()
            try await stand.setFaults(#"{"serverErrorRate": 1, "serverErrorStatus": 502}"#)
            #expect(try await Self.createOrder(stand, token: token).status == 502)
            try await stand.setFaults(#"{"dropConnections": 1, "latencyMilliseconds": 50}"#)
            let dropped = try await Self.createOrder(stand, token: token)
            #expect(dropped.status == 0 && [52, 56].contains(dropped.exitCode), "curl exit \(dropped.exitCode) \(dropped.stderr)")
            #expect(try await Self.createOrder(stand, token: token).status == 200)
            let badFaults = try await stand.curl(["-X", "POST", "--data-binary", #"{"serverErrorRate": 3}"#, stand.epguURL("/__stand/faults")])
            #expect(badFaults.status == 400)
        }
    }
}
