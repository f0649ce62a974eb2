import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Pinwire
import Testing

// The Swift glue against the real pinwire-testserver: every test starts its own server process and stops it
// (closes its stdin) at the end. The core's pinning logic has its own Rust suite; these check that the Swift
// API reaches it and that errors, events, cancellation and streaming come back intact.

/// A client trusting only the test PKI's root, with the test host names resolved to 127.0.0.1.
func makeClient(
    _ server: TestServer, roots: [String]? = nil,
    _ configure: (PinwireClient.Builder) -> PinwireClient.Builder = { $0 }
) throws -> PinwireClient {
    let builder = PinwireClient.Builder()
        .trustedRoots(pem: roots ?? [server.info.rootsPem.test])
        .includePlatformTrust(false)
        .resolve(server.info.host, to: "127.0.0.1")
        .resolve(server.info.otherHost, to: "127.0.0.1")
    return try configure(builder).build()
}

/// The `PinwireError` `body` throws; records an issue if it succeeds or throws something else.
func pinwireError<T>(
    _ body: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation
) async -> PinwireError? {
    do {
        let value = try await body()
        Issue.record("expected a PinwireError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as PinwireError {
        return error
    } catch {
        Issue.record("expected a PinwireError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Collects what a closure listener receives.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [PinEvent] = []

    func append(_ event: PinEvent) {
        lock.lock()
        stored.append(event)
        lock.unlock()
    }

    var events: [PinEvent] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

@Test func pinnedRequestSucceeds() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }

    let response = try await client.get(server.url(info.ports.good))
    #expect(response.status == 200)
    #expect(response.isSuccessful)
    #expect(response.version == "HTTP/2.0")
    #expect(response.url == server.url(info.ports.good))
    #expect(try await response.text() == "hello from good")

    // URLRequest in, (Data, Response) out, as with URLSession.
    var urlRequest = URLRequest(url: server.url(info.ports.http1, "/echo"))
    urlRequest.httpMethod = "POST"
    urlRequest.setValue("42", forHTTPHeaderField: "x-test")
    urlRequest.httpBody = Data("hello".utf8)
    let (data, echoed) = try await client.data(for: urlRequest)
    #expect(String(decoding: data, as: UTF8.self) == "POST x-test=42 body=5")
    #expect(echoed.version == "HTTP/1.1")
    #expect(echoed.httpURLResponse?.statusCode == 200)
}

@Test func pinMismatchCarriesTheValidatedChain() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    // The impostor's chain is valid (its root is trusted here) but holds none of the pinned keys.
    let client = try makeClient(server, roots: [info.rootsPem.test, info.rootsPem.evil]) {
        $0.add(info.host, info.pins.leaf, info.pins.root)
    }

    let error = await pinwireError { try await client.get(server.url(info.ports.impostor)) }
    guard case let .pinMismatch(host, port, pattern, expectedPins, chainPins, chainSubjects, detail) = error else {
        Issue.record("expected .pinMismatch, got \(String(describing: error))")
        return
    }
    #expect(host == info.host)
    #expect(port.map(Int.init) == info.ports.impostor)
    #expect(pattern == info.host)
    #expect(Set(expectedPins) == [info.pins.leaf, info.pins.root])
    #expect(chainPins == [info.pins.impostorLeaf, info.pins.evilRoot])
    #expect(chainSubjects.count == 2)
    #expect(chainSubjects.last?.contains("Evil Root") == true)
    #expect(detail.contains("Certificate pinning failure!"))
    #expect(detail.contains(info.pins.evilRoot))
    #expect(error?.description == detail)
    #expect(error?.localizedDescription == detail)

    // The same client still reaches the genuine server.
    #expect(try await client.get(server.url(info.ports.good)).status == 200)
}

@Test func untrustedChainFailsBeforePinsAreLookedAt() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    // Even a pin on the stranger's own leaf cannot rescue a chain that does not validate.
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }

    let error = await pinwireError { try await client.get(server.url(info.ports.untrusted)) }
    guard case let .untrustedCertificate(host, reason, detail) = error else {
        Issue.record("expected .untrustedCertificate, got \(String(describing: error))")
        return
    }
    #expect(host == info.host)
    #expect(reason == .unknownIssuer)
    #expect(!detail.isEmpty)

    // The certificate is for the test names, not for the IP address.
    let byAddress = await pinwireError { try await client.get(URL(string: "https://127.0.0.1:\(info.ports.good)/")!) }
    guard case let .hostnameMismatch(host, _) = byAddress else {
        Issue.record("expected .hostnameMismatch, got \(String(describing: byAddress))")
        return
    }
    #expect(host == "127.0.0.1")
}

@Test func pinEventsReachTheListenerAndTheStream() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let log = EventLog()
    // Report-only with keys that are not on the chain: the request goes through and the mismatch is reported.
    let client = try makeClient(server) {
        $0.add(info.host, pins: [info.pins.impostorLeaf, info.pins.evilRoot], reportOnly: true)
            .add(info.otherHost, info.pins.intermediate, info.pins.evilRoot)
            .onPinEvent { log.append($0) }
    }
    var stream = client.pinEvents().makeAsyncIterator()

    let response = try await client.get(server.url(info.ports.good))
    #expect(response.status == 200)
    #expect(log.events.count == 1)
    let event = try #require(log.events.first)
    #expect(event.host == info.host)
    #expect(event.port.map(Int.init) == info.ports.good)
    #expect(event.pattern == info.host)
    #expect(event.outcome == .mismatch)
    #expect(event.reportOnly)
    #expect(event.allowed)
    #expect(Set(event.expectedPins) == [info.pins.impostorLeaf, info.pins.evilRoot])
    #expect(event.chainPins == [info.pins.leaf, info.pins.intermediate, info.pins.root])
    #expect(event.chainDER.count == 3)
    #expect(event.chainSubjects.last?.contains("Test Root") == true)
    #expect(abs(event.at.timeIntervalSinceNow) < 60)
    #expect(await stream.next() == event)

    // An enforced rule that matches: the event says which pin.
    #expect(try await client.get(server.url(info.ports.good, host: info.otherHost)).status == 200)
    let matched = try #require(await stream.next())
    #expect(matched.host == info.otherHost)
    #expect(matched.enforced)
    #expect(matched.outcome == .matched(pin: info.pins.intermediate))
    #expect(log.events.count == 2)
}

@Test func concurrentRequestsInATaskGroup() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.intermediate, info.pins.root) }

    let results = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
        for i in 0..<40 {
            group.addTask {
                let port = i % 2 == 0 ? info.ports.good : info.ports.http1
                let size = 1000 * (i + 1)
                let response = try await client.get(server.url(port, "/bytes/\(size)"))
                let data = try await response.data()
                #expect(data.allSatisfy { $0 == UInt8(ascii: "x") })
                return (size, data.count, response.version)
            }
        }
        var all: [(Int, Int, String)] = []
        for try await result in group {
            all.append(result)
        }
        return all
    }
    #expect(results.count == 40)
    for (expected, got, _) in results {
        #expect(got == expected)
    }
    #expect(Set(results.map(\.2)) == ["HTTP/2.0", "HTTP/1.1"])
}

@Test func cancellingTheTaskStopsAStalledCall() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    // Only cancellation can end the call quickly: no call timeout, a read timeout of ten minutes.
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root).readTimeout(600) }

    let call = Task { try await client.get(server.url(info.ports.good, "/stall")) }
    try await Task.sleep(nanoseconds: 500_000_000)
    let cancelledAt = Date()
    call.cancel()
    let error = await pinwireError { try await call.value }
    #expect(error == .cancelled)
    #expect(Date().timeIntervalSince(cancelledAt) < 10)

    // A task cancelled before the call starts does not send it.
    let early = Task {
        withUnsafeCurrentTask { $0?.cancel() }
        return try await client.get(server.url(info.ports.good, "/stall"))
    }
    #expect(await pinwireError { try await early.value } == .cancelled)

    // The client is fine afterwards.
    #expect(try await client.get(server.url(info.ports.good)).status == 200)
}

@Test func cancellingTheTaskStopsAStalledBodyRead() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root).readTimeout(600) }

    // /slow-body sends "first", then stalls.
    let response = try await client.get(server.url(info.ports.good, "/slow-body"))
    var body = response.body.makeAsyncIterator()
    #expect(try await body.next() == Data("first".utf8))
    let rest = Task { try await response.data() }
    try await Task.sleep(nanoseconds: 500_000_000)
    let cancelledAt = Date()
    rest.cancel()
    #expect(await pinwireError { try await rest.value } == .cancelled)
    #expect(Date().timeIntervalSince(cancelledAt) < 10)

    // Chunk-by-chunk reading is cancelled the same way.
    let slow = try await client.get(server.url(info.ports.good, "/slow-body"))
    let reader = Task {
        var chunks = 0
        for try await _ in slow.body {
            chunks += 1
        }
        return chunks
    }
    try await Task.sleep(nanoseconds: 500_000_000)
    reader.cancel()
    #expect(await pinwireError { try await reader.value } == .cancelled)

    // A closed body says so.
    slow.close()
    #expect(await pinwireError { try await slow.data() } == .closed(what: "response body"))
}

@Test func streamsALargeBodyChunkByChunk() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }

    let size = 33_554_432
    let response = try await client.get(server.url(info.ports.good, "/bytes/\(size)"))
    var total = 0
    var chunks = 0
    var largest = 0
    for try await chunk in response.body {
        #expect(chunk.first == UInt8(ascii: "x") && chunk.last == UInt8(ascii: "x"))
        total += chunk.count
        chunks += 1
        largest = max(largest, chunk.count)
    }
    #expect(total == size)
    // Handed over as it arrives, never as one buffer: the server sends 64 KiB frames.
    #expect(chunks >= size / (1 << 20))
    #expect(largest <= 1 << 20)
}

@Test func everyByteArrivesOnceAndInOrder() async throws {
    // From the piece that came with the headers (`bodyStart`) through the reader's pieces to the end.
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }
    for size in [10, 70_000, 1_000_000] {
        let url = server.url(info.ports.good, "/pattern/\(size)")
        var offset = 0
        var inOrder = true
        for try await chunk in try await client.get(url).body {
            #expect(!chunk.isEmpty)
            for (i, byte) in chunk.enumerated() where byte != UInt8((offset + i) % 251) {
                inOrder = false
            }
            offset += chunk.count
        }
        #expect(offset == size)
        #expect(inOrder)
        let data = try await client.get(url).data()
        #expect(data.count == size)
        #expect(data.enumerated().allSatisfy { $0.element == UInt8($0.offset % 251) })
    }
}

@Test func coreErrorsArriveAsTheirSwiftCases() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info

    // Configuration: a pin set without a backup pin, a negative timeout.
    let singlePin = await pinwireError { try makeClient(server) { $0.add(info.host, info.pins.leaf) } }
    guard case let .invalidConfig(detail) = singlePin else {
        Issue.record("expected .invalidConfig, got \(String(describing: singlePin))")
        return
    }
    #expect(detail.contains("pin"))
    let negative = await pinwireError { try makeClient(server) { $0.connectTimeout(-1) } }
    guard case .invalidConfig = negative else {
        Issue.record("expected .invalidConfig, got \(String(describing: negative))")
        return
    }

    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root).maxRedirects(2) }

    let cleartext = await pinwireError { try await client.get(URL(string: "http://\(info.host):\(info.ports.good)/")!) }
    guard case let .cleartextNotPermitted(host, _, _) = cleartext else {
        Issue.record("expected .cleartextNotPermitted, got \(String(describing: cleartext))")
        return
    }
    #expect(host == info.host)

    let timeout = await pinwireError {
        try await client.execute(Request.get(server.url(info.ports.good, "/stall")).callTimeout(0.3))
    }
    guard case let .timeout(kind, url, _) = timeout else {
        Issue.record("expected .timeout, got \(String(describing: timeout))")
        return
    }
    #expect(kind == .call)
    #expect(url.hasSuffix("/stall"))

    let redirects = await pinwireError { try await client.get(server.url(info.ports.good, "/loop")) }
    guard case let .tooManyRedirects(_, max, _) = redirects else {
        Issue.record("expected .tooManyRedirects, got \(String(describing: redirects))")
        return
    }
    #expect(max == 2)

    // Nothing listens on the port of a server that has stopped.
    let stopped = try TestServer.start()
    let deadPort = stopped.info.ports.good
    stopped.stop()
    let connect = await pinwireError { try await client.get(server.url(deadPort)) }
    guard case .connect = connect else {
        Issue.record("expected .connect, got \(String(describing: connect))")
        return
    }

    let badURL = await pinwireError { try await client.get(URL(string: "ftp://\(info.host)/")!) }
    guard case .invalidURL = badURL else {
        Issue.record("expected .invalidURL, got \(String(describing: badURL))")
        return
    }

    // Pins computed in Rust, through the Swift helpers.
    #expect(try Pin.fromCertificates(pem: info.rootsPem.test) == [info.pins.root])
}

@Test func configurationFilesBuildClients() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info

    // Pinwire JSON: the test root as a bundled anchor, the host pinned to its leaf and root keys.
    let document: [String: Any] = [
        "version": 1,
        "trust_anchors": [["source": "bundled", "name": "test_root", "pem": info.rootsPem.test]],
        "rules": [["pattern": info.host, "pins": [info.pins.leaf, info.pins.root]]],
    ]
    let json = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
    let config = try PinConfig(json: json)
    #expect(config.warnings.isEmpty)
    let client = try PinwireClient.Builder().config(config).resolve(info.host, to: "127.0.0.1").build()
    #expect(try await client.get(server.url(info.ports.good)).text() == "hello from good")

    // The file is the only source of pins and trust.
    let both = await pinwireError {
        try PinwireClient.Builder().config(config).add(info.host, info.pins.leaf, info.pins.root).build()
    }
    guard case .invalidConfig = both else {
        Issue.record("expected .invalidConfig, got \(String(describing: both))")
        return
    }

    // A TrustKit dictionary, as an Info.plist holds it: TrustKit's hashes carry no "sha256/" prefix.
    func bare(_ pin: String) -> String { String(pin.dropFirst("sha256/".count)) }
    let trustKit = try PinConfig(trustKitDictionary: [
        "TSKSwizzleNetworkDelegates": false,
        "TSKPinnedDomains": [
            info.host: ["TSKPublicKeyHashes": [bare(info.pins.leaf), bare(info.pins.root)], "TSKEnforcePinning": true]
        ],
    ])
    let converted = try trustKit.toJSON()
    #expect(converted.contains(bare(info.pins.leaf)) && converted.contains(bare(info.pins.root)))
    #expect(trustKit.warnings.contains { $0.contains("TSKSwizzleNetworkDelegates") })
    // TrustKit configurations use the platform's trust, which does not know the test root: refused before pins.
    let fromTrustKit = try PinwireClient.Builder().config(trustKit).resolve(info.host, to: "127.0.0.1").build()
    let refused = await pinwireError { try await fromTrustKit.get(server.url(info.ports.good)) }
    guard case .untrustedCertificate(_, .unknownIssuer, _) = refused else {
        Issue.record("expected .untrustedCertificate(.unknownIssuer), got \(String(describing: refused))")
        return
    }

    // Errors name the file and the position.
    let broken = await pinwireError { try PinConfig(json: "{\n  \"rules\": 3\n}", fileName: "app.json") }
    guard case let .invalidConfig(detail) = broken else {
        Issue.record("expected .invalidConfig, got \(String(describing: broken))")
        return
    }
    #expect(detail.hasPrefix("app.json:"))
}

@Test func failureReportsReachACollector() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let collector = server.url(info.ports.http1, "/collect").absoluteString
    let app = AppIdentity(bundleId: "dev.pinwire.swift-tests", version: "1.0", vendorId: "vendor-swift", platformVersion: "17.0")
    let client = try makeClient(server) {
        $0.add(info.host, pins: [info.pins.impostorLeaf, info.pins.evilRoot], reportOnly: true)
            .reporting(app: app, uris: [info.host: collector])
    }
    #expect(try await client.get(server.url(info.ports.good)).status == 200)

    let reader = try makeClient(server)
    var report: [String: Any]?
    for _ in 0..<100 where report == nil {
        let text = try await reader.get(server.url(info.ports.http1, "/collected")).text()
        let bodies = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] ?? []
        report = bodies
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .first { $0["app-vendor-id"] as? String == "vendor-swift" }
        if report == nil { try await Task.sleep(nanoseconds: 50_000_000) }
    }
    let found = try #require(report)
    #expect(found["app-bundle-id"] as? String == "dev.pinwire.swift-tests")
    #expect(found["app-platform"] as? String == "IOS")
    #expect(found["hostname"] as? String == info.host)
    #expect((found["port"] as? NSNumber)?.intValue == info.ports.good)
    #expect(found["enforce-pinning"] as? Bool == false)
    #expect((found["validated-certificate-chain"] as? [String])?.count == 3)
}

@Test func anAndroidNetworkSecurityConfigIsReadOnIOSToo() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    func nsc(_ pins: [String]) -> String {
        let pinSet = pins.map { "<pin digest=\"SHA-256\">\($0.dropFirst("sha256/".count))</pin>" }.joined()
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <network-security-config>
              <domain-config>
                <domain includeSubdomains="true">pinwire.test</domain>
                <trust-anchors><certificates src="@raw/test_root"/></trust-anchors>
                <pin-set>\(pinSet)</pin-set>
              </domain-config>
            </network-security-config>
            """
    }
    let raw = ["test_root": Data(info.rootsPem.test.utf8)]
    let config = try PinConfig(nscXML: nsc([info.pins.root, info.pins.evilRoot]), rawResources: raw)
    #expect(config.warnings.isEmpty, "\(config.warnings)")
    let client = try PinwireClient.Builder().config(config).resolve(info.host, to: "127.0.0.1").build()
    #expect(try await client.get(server.url(info.ports.good)).status == 200)

    let wrong = try PinConfig(nscXML: nsc([info.pins.impostorLeaf, info.pins.evilRoot]), rawResources: raw)
    let refusing = try PinwireClient.Builder().config(wrong).resolve(info.host, to: "127.0.0.1").build()
    let error = await pinwireError { try await refusing.get(server.url(info.ports.good)) }
    guard case let .pinMismatch(host, _, pattern, _, _, _, _) = error else {
        Issue.record("expected .pinMismatch, got \(String(describing: error))")
        return
    }
    #expect(host == info.host)
    #expect(pattern == "pinwire.test")

    let missingRaw = await pinwireError { try PinConfig(nscXML: nsc([info.pins.root, info.pins.leaf])) }
    guard case let .invalidConfig(detail) = missingRaw else {
        Issue.record("expected .invalidConfig, got \(String(describing: missingRaw))")
        return
    }
    #expect(detail.hasPrefix("network_security_config.xml:") && detail.contains("test_root"), "\(detail)")
}

@Test func anAnchorThatOverridesPinsGivesAnOverriddenEvent() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    // NSC's overridePins on the test root: its chains go through whatever the pins say, and the event says so.
    let document: [String: Any] = [
        "version": 1,
        "trust_anchors": [["source": "bundled", "name": "test_root", "pem": info.rootsPem.test, "override_pins": true]],
        "rules": [["pattern": info.host, "pins": [info.pins.impostorLeaf, info.pins.evilRoot]]],
    ]
    let json = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
    let events = EventLog()
    let client = try PinwireClient.Builder().config(try PinConfig(json: json)).resolve(info.host, to: "127.0.0.1")
        .onPinEvent { events.append($0) }
        .build()
    #expect(try await client.get(server.url(info.ports.good)).status == 200)
    let event = try #require(events.events.first)
    #expect(event.outcome == .overridden)
    #expect(event.allowed)
}

