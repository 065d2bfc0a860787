import Gateway
import HTTPTypes
import Testing

@Suite struct RouteTableTests {
    let table = RouteTable()

    @Test(arguments: [
        ("POST", "/api/gusmev/order", "order.create"),
        ("POST", "/api/gusmev/push", "order.push"),
        ("POST", "/api/gusmev/push/chunked", "order.push_chunked"),
        ("GET", "/api/gusmev/order/getOrdersStatus", "orders.status"),
        ("GET", "/api/gusmev/order/getUpdatedAfter/", "orders.updated_after"),
        ("POST", "/api/gusmev/order/764000001", "order.details"),
        ("POST", "/api/gusmev/order/764000001/cancel", "order.cancel"),
        ("POST", "/api/nsi/v1/dictionary/EXTERNAL_BIC", "dictionary"),
        ("GET", "/api/storage/v2/files/123/3/download", "file.download_v2"),
        ("GET", "/api/gusmev/files/download/123/3", "file.download"),
    ])
    func everyDocumentedEndpointMatches(method: String, path: String, name: String) {
        guard case .route(let route, _) = table.match(method: method, path: path) else {
            Issue.record("\(method) \(path) did not match")
            return
        }
        #expect(route.name == name)
    }

    @Test func replayAndTokenRules() {
        let byName = Dictionary(uniqueKeysWithValues: EPGURoute.all.map { ($0.name, $0) })
        for never in ["order.create", "order.push", "order.push_chunked", "order.cancel"] {
            #expect(byName[never]?.safeToReplay == false, "\(never) must never be replayed")
        }
        for safe in ["orders.status", "orders.updated_after", "order.details", "dictionary", "file.download"] {
            #expect(byName[safe]?.safeToReplay == true)
        }
        #expect(byName["dictionary"]?.needsToken == false)
        #expect(EPGURoute.all.filter { !$0.needsToken }.map(\.name) == ["dictionary"])
    }

    @Test func literalSegmentsBeatParameters() {
        #expect(table.match(method: "POST", path: "/api/gusmev/order/getOrdersStatus") == .methodNotAllowed(allowed: ["GET"]))
        #expect(table.match(method: "GET", path: "/api/gusmev/order/42") == .methodNotAllowed(allowed: ["POST"]))
    }

    @Test(arguments: ["/", "/api", "/api/gusmev/orders", "/admin", "/api/gusmev/order/1/cancel/x", "/api/nsi/v1/dictionary/"])
    func everythingElseIsNotFound(path: String) {
        #expect(table.match(method: "POST", path: path) == .notFound)
    }
}

@Suite struct RequestTargetPolicyTests {
    @Test func plainPathsPassUnchanged() throws {
        let target = try RequestTargetPolicy.check("/api/gusmev/order/getOrdersStatus?pageNum=0&pageSize=10&orderIds=1,2")
        #expect(target.path == "/api/gusmev/order/getOrdersStatus")
        #expect(target.query == "pageNum=0&pageSize=10&orderIds=1,2")
    }

    @Test(arguments: [
        ("http://evil.example/api/gusmev/order", RequestTargetPolicy.Violation.notOriginForm),
        ("//evil.example/api", .notOriginForm),
        ("evil.example:443", .notOriginForm),
        ("*", .notOriginForm),
        ("/api/gusmev/../../admin", .dotSegment),
        ("/api/gusmev/./order", .dotSegment),
        ("/api/gusmev/order%2F..%2Fadmin", .encodedSeparator),
        ("/api/gusmev/%2e%2e/order", .encodedSeparator),
        ("/api/gusmev/order%5Cx", .encodedSeparator),
        ("/api/gusmev/order%00", .encodedSeparator),
        ("/api\\gusmev", .forbiddenCharacter),
        ("/api/gusmev/order#frag", .forbiddenCharacter),
        ("/api/gusmev/ord er", .forbiddenCharacter),
        ("/api//gusmev/order", .emptySegment),
    ])
    func hostileTargetsAreRefused(raw: String, violation: RequestTargetPolicy.Violation) {
        #expect(throws: violation) { try RequestTargetPolicy.check(raw) }
    }

    @Test func hostHeaders() {
        #expect(RequestTargetPolicy.isAcceptableHost("127.0.0.1:8080"))
        #expect(RequestTargetPolicy.isAcceptableHost("[::1]:8080"))
        #expect(RequestTargetPolicy.isAcceptableHost("gateway.local"))
        #expect(!RequestTargetPolicy.isAcceptableHost("user@evil.example"))
        #expect(!RequestTargetPolicy.isAcceptableHost("evil.example/path"))
        #expect(!RequestTargetPolicy.isAcceptableHost(""))
    }
}

@Suite struct HeaderHygieneTests {
    @Test func clientCredentialsAndHopByHopHeadersNeverReachEPGU() {
        var client = HTTPFields()
        client[.authorization] = "Bearer gg_0011223344556677_secret"
        client[HTTPField.Name("X-Gosgate-Key")!] = "gg_other"
        client[.connection] = "keep-alive, X-Private-Hop"
        client[HTTPField.Name("X-Private-Hop")!] = "1"
        client[HTTPField.Name("Keep-Alive")!] = "timeout=5"
        client[.transferEncoding] = "chunked"
        client[.te] = "trailers"
        client[.upgrade] = "h2c"
        client[HTTPField.Name("Proxy-Authorization")!] = "Basic x"
        client[HTTPField.Name("X-Forwarded-For")!] = "6.6.6.6"
        client[HTTPField.Name("Forwarded")!] = "for=6.6.6.6"
        client[.contentType] = "application/json"
        client[HTTPField.Name("traceparent")!] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        client[HTTPField.Name("X-Request-ID")!] = "client-chosen"

        let upstream = HeaderHygiene.upstreamRequestHeaders(from: client, requestID: "req-1", bearer: "ESIA.JWT.TOKEN")
        #expect(upstream[.authorization] == "Bearer ESIA.JWT.TOKEN")
        #expect(upstream[values: .authorization].count == 1)
        let names = Set(upstream.map { $0.name.canonicalName })
        for gone in ["x-gosgate-key", "connection", "x-private-hop", "keep-alive", "transfer-encoding", "te", "upgrade",
                     "proxy-authorization", "x-forwarded-for", "forwarded"] {
            #expect(!names.contains(gone), "\(gone) leaked upstream")
        }
        #expect(upstream[.contentType] == "application/json")
        #expect(upstream[HTTPField.Name("traceparent")!] == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(upstream[HTTPField.Name("X-Request-ID")!] == "req-1")
    }

    @Test func publicRoutesGetNoAuthorizationAtAll() {
        var client = HTTPFields()
        client[.authorization] = "Bearer gg_x"
        let upstream = HeaderHygiene.upstreamRequestHeaders(from: client, requestID: "r", bearer: nil)
        #expect(upstream[.authorization] == nil)
    }

    @Test func malformedTraceparentIsDropped() {
        var client = HTTPFields()
        client[HTTPField.Name("traceparent")!] = "garbage"
        #expect(HeaderHygiene.upstreamRequestHeaders(from: client, requestID: "r", bearer: nil)[HTTPField.Name("traceparent")!] == nil)
    }

    @Test func requestIDsAreKeptWhenSaneAndReplacedOtherwise() {
        var client = HTTPFields()
        client[HTTPField.Name("X-Request-ID")!] = "erp-2026-11-22:0001"
        #expect(HeaderHygiene.requestID(from: client) == "erp-2026-11-22:0001")
        client[HTTPField.Name("X-Request-ID")!] = "bad id\u{7f}<script>"
        let replaced = HeaderHygiene.requestID(from: client)
        #expect(replaced != "bad id\u{7f}<script>")
        #expect(replaced.count == 36)
        #expect(HeaderHygiene.requestID(from: HTTPFields()).count == 36)
    }

    @Test func gatewayKeyIsFoundInEitherHeader() {
        var viaHeader = HTTPFields()
        viaHeader[HTTPField.Name("X-Gosgate-Key")!] = "gg_a"
        #expect(HeaderHygiene.presentedGatewayKey(in: viaHeader) == "gg_a")
        var viaBearer = HTTPFields()
        viaBearer[.authorization] = "Bearer gg_b"
        #expect(HeaderHygiene.presentedGatewayKey(in: viaBearer) == "gg_b")
        #expect(HeaderHygiene.presentedGatewayKey(in: HTTPFields()) == nil)
    }

    @Test func responseHopByHopHeadersAreDropped() {
        var upstream = HTTPFields()
        upstream[.connection] = "close"
        upstream[.transferEncoding] = "chunked"
        upstream[.contentType] = "application/json"
        let client = HeaderHygiene.clientResponseHeaders(from: upstream, requestID: "r")
        #expect(client[.connection] == nil)
        #expect(client[.transferEncoding] == nil)
        #expect(client[.contentType] == "application/json")
        #expect(client[HTTPField.Name("X-Request-ID")!] == "r")
    }
}
