import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Pinwire
import Testing

// PinwireURLProtocol: URLSession (swift-corelibs-foundation's here) running over a PinwireClient, against the
// real pinwire-testserver. Tests run in parallel, and a client is bound to a protocol class, so each test
// binds its own subclass. The URLSession on Linux makes protocols as iOS does but cannot take a redirect from
// one; the tests that drive a protocol with a RecordingProtocolClient play the part of Apple's loading system.

final class DataProtocol: PinwireURLProtocol {}
final class MismatchProtocol: PinwireURLProtocol {}
final class UnboundProtocol: PinwireURLProtocol {}
final class DelegateProtocol: PinwireURLProtocol {}
final class StreamingProtocol: PinwireURLProtocol {}
final class CancelProtocol: PinwireURLProtocol {}
final class StopProtocol: PinwireURLProtocol {}
final class FollowProtocol: PinwireURLProtocol {}
final class RedirectProtocol: PinwireURLProtocol {}
final class UploadProtocol: PinwireURLProtocol {}

/// `n` bytes of the test server's `/pattern/<n>`.
private func pattern(_ n: Int) -> Data {
    Data((0..<n).map { UInt8($0 % 251) })
}

/// The error `body` throws as an `NSError`; records an issue if it succeeds.
private func nsError<T>(
    _ body: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation
) async -> NSError? {
    do {
        let value = try await body()
        Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error as NSError
    }
}

@Test func urlSessionDataRunsOverPinwire() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let log = EventLog()
    let client = try makeClient(server) {
        $0.add(info.host, info.pins.leaf, info.pins.root).onPinEvent { log.append($0) }
    }
    let session = URLSession(configuration: DataProtocol.configuration(client: client))
    #expect(DataProtocol.boundClient === client)

    // The host name resolves, and the test root is trusted, only inside Pinwire: URLSession's own stack
    // could not have made this request.
    let (data, response) = try await session.data(for: URLRequest(url: server.url(info.ports.good)))
    #expect(String(decoding: data, as: UTF8.self) == "hello from good")
    let http = try #require(response as? HTTPURLResponse)
    #expect(http.statusCode == 200)
    #expect(http.url == server.url(info.ports.good))
    #expect(log.events.contains { $0.host == info.host && $0.allowed })

    // Method, headers and body go out as the URLRequest says.
    var post = URLRequest(url: server.url(info.ports.http1, "/echo"))
    post.httpMethod = "POST"
    post.setValue("42", forHTTPHeaderField: "x-test")
    post.httpBody = Data("hello".utf8)
    let (echoed, _) = try await session.data(for: post)
    #expect(String(decoding: echoed, as: UTF8.self) == "POST x-test=42 body=5")

    // A body of many chunks arrives whole and in order.
    let size = 3 * 1024 * 1024 + 17
    let (body, _) = try await session.data(from: server.url(info.ports.good, "/pattern/\(size)"))
    #expect(body == pattern(size))
}

@Test func urlSessionPinMismatchIsAnNSErrorWithThePinwireError() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    // The impostor's chain is valid (its root is trusted here) but holds none of the pinned keys.
    let client = try makeClient(server, roots: [info.rootsPem.test, info.rootsPem.evil]) {
        $0.add(info.host, info.pins.leaf, info.pins.root)
    }
    let session = URLSession(configuration: MismatchProtocol.configuration(client: client))
    let url = server.url(info.ports.impostor, "/secret")

    let error = try #require(await nsError { try await session.data(from: url) })
    #expect(error.domain == NSURLErrorDomain)
    #expect(error.code == URLError.Code.serverCertificateUntrusted.rawValue)
    typealias Key = PinwireURLProtocol.UserInfoKey
    #expect(error.userInfo[Key.host] as? String == info.host)
    #expect(error.userInfo[Key.port] as? Int == info.ports.impostor)
    #expect(error.userInfo[Key.pattern] as? String == info.host)
    #expect(Set(error.userInfo[Key.expectedPins] as? [String] ?? []) == [info.pins.leaf, info.pins.root])
    #expect(error.userInfo[Key.chainPins] as? [String] == [info.pins.impostorLeaf, info.pins.evilRoot])
    #expect((error.userInfo[Key.chainSubjects] as? [String])?.last?.contains("Evil Root") == true)
    #expect(error.userInfo[NSURLErrorFailingURLErrorKey] as? URL == url)
    #expect(error.localizedDescription.contains("Certificate pinning failure!"))
    guard case .pinMismatch(let host, _, _, _, let chainPins, _, _)? = error.userInfo[Key.error] as? PinwireError
    else {
        Issue.record("no PinwireError.pinMismatch under \(Key.error): \(error.userInfo)")
        return
    }
    #expect(host == info.host)
    #expect(chainPins.first == info.pins.impostorLeaf)

    // The same session still reaches the genuine server.
    let (data, _) = try await session.data(from: server.url(info.ports.good))
    #expect(String(decoding: data, as: UTF8.self) == "hello from good")
}

@Test func aClassWithNoClientFailsInsteadOfGoingOutUnpinned() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let configuration = URLSessionConfiguration.default
    configuration.protocolClasses = [UnboundProtocol.self]
    let session = URLSession(configuration: configuration)

    let error = try #require(await nsError { try await session.data(from: server.url(server.info.ports.good)) })
    #expect(error.domain == NSURLErrorDomain)
    guard case .invalidConfig(let detail)? = error.userInfo[PinwireURLProtocol.UserInfoKey.error] as? PinwireError
    else {
        Issue.record("expected invalidConfig, got \(error)")
        return
    }
    #expect(detail.contains("UnboundProtocol"))
    #expect(PinwireURLProtocol.canInit(with: URLRequest(url: URL(string: "http://example.com/")!)))
    #expect(!PinwireURLProtocol.canInit(with: URLRequest(url: URL(string: "data:,hello")!)))
}

/// A session delegate that collects a data task's body and completion.
private final class BodyCollector: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var body = Data()
    private var response: URLResponse?
    private var continuation: CheckedContinuation<(Data, URLResponse?, Error?), Never>?
    private var result: (Data, URLResponse?, Error?)?

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        lock.lock()
        self.response = response
        lock.unlock()
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        body.append(data)
        lock.unlock()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        let outcome = (body, response, error)
        result = outcome
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(returning: outcome)
    }

    func completion() async -> (Data, URLResponse?, Error?) {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(returning: result)
            } else {
                self.continuation = continuation
                lock.unlock()
            }
        }
    }
}

@Test func aDataTaskDelegateReceivesTheDownload() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }
    let collector = BodyCollector()
    let session = URLSession(
        configuration: DelegateProtocol.configuration(client: client), delegate: collector, delegateQueue: nil)
    defer { session.finishTasksAndInvalidate() }

    let size = 8 * 1024 * 1024 + 5
    session.dataTask(with: server.url(info.ports.good, "/pattern/\(size)")).resume()
    let (body, response, error) = await collector.completion()
    #expect(error == nil)
    #expect((response as? HTTPURLResponse)?.statusCode == 200)
    #expect(body.count == size)
    #expect(body == pattern(size))
}

@Test func theBodyStreamsToTheClientAsItArrives() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }
    StreamingProtocol.bind(client)
    let recorder = RecordingProtocolClient()
    // /gated sends 1 MiB, then waits for /open-gate: a protocol that held the body back until its end
    // would never hand that first MiB over, and the gate would stay shut.
    let size = 3 * 1024 * 1024
    let request = URLRequest(url: server.url(info.ports.good, "/gated/\(size)"))
    let loader = StreamingProtocol(request: request, cachedResponse: nil, client: recorder)
    loader.startLoading()

    #expect(await recorder.wait { $0.body.count >= 1024 * 1024 }, "the first MiB did not arrive before the end")
    #expect(!recorder.ended)
    guard case .response(let head)? = recorder.events.first else {
        Issue.record("the response did not come first: \(recorder.events)")
        return
    }
    #expect(head.statusCode == 200)
    _ = try await client.get(server.url(info.ports.good, "/open-gate")).data()
    #expect(await recorder.wait { $0.ended })
    guard case .finished? = recorder.events.last else {
        Issue.record("did not finish: \(String(describing: recorder.events.last))")
        return
    }
    #expect(recorder.body.count == size)
    #expect(recorder.dataEvents > 1)
}

@Test func cancellingTheTaskStopsTheLoad() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    // Only cancellation can end these calls quickly: no call timeout, a read timeout of ten minutes.
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root).readTimeout(600) }
    let session = URLSession(configuration: CancelProtocol.configuration(client: client))

    let call = Task { try await session.data(from: server.url(info.ports.good, "/stall")) }
    try await Task.sleep(nanoseconds: 300_000_000)
    let cancelledAt = Date()
    call.cancel()
    let error = try #require(await nsError { try await call.value })
    #expect(error.domain == NSURLErrorDomain)
    #expect(error.code == URLError.Code.cancelled.rawValue)
    #expect(Date().timeIntervalSince(cancelledAt) < 10)

    // A data task's cancel() the same way.
    let ended = AsyncStream<Error?>.makeStream()
    let task = session.dataTask(with: server.url(info.ports.good, "/slow-body")) { _, _, error in
        ended.continuation.yield(error)
    }
    task.resume()
    try await Task.sleep(nanoseconds: 300_000_000)
    task.cancel()
    var iterator = ended.stream.makeAsyncIterator()
    let taskError = try #require(await iterator.next() ?? nil) as NSError
    #expect(taskError.code == URLError.Code.cancelled.rawValue)

    // The session still works.
    let (data, _) = try await session.data(from: server.url(info.ports.good))
    #expect(String(decoding: data, as: UTF8.self) == "hello from good")
}

@Test func stopLoadingMidBodyEndsTheLoad() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }
    StopProtocol.bind(client)
    let recorder = RecordingProtocolClient()
    let request = URLRequest(url: server.url(info.ports.good, "/gated/\(3 * 1024 * 1024)"))
    let loader = StopProtocol(request: request, cachedResponse: nil, client: recorder)
    loader.startLoading()
    #expect(await recorder.wait { $0.body.count >= 1024 * 1024 })

    loader.stopLoading()
    let eventsAtStop = recorder.events.count
    // Let the server send the rest: none of it may reach the client after stopLoading.
    _ = try await client.get(server.url(info.ports.good, "/open-gate")).data()
    try await Task.sleep(nanoseconds: 500_000_000)
    #expect(recorder.events.count == eventsAtStop)
    #expect(!recorder.ended)

    // Loading again after a stop ends the task instead of sending the body a second time.
    loader.startLoading()
    guard case .failed(let error)? = recorder.events.last else {
        Issue.record("a second startLoading did not fail: \(String(describing: recorder.events.last))")
        return
    }
    #expect(error.code == URLError.Code.cancelled.rawValue)
}

@Test func urlSessionRedirectsAreFollowedWithEachHopsPins() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server, roots: [info.rootsPem.test, info.rootsPem.evil]) {
        $0.add("**.pinwire.test", info.pins.leaf, info.pins.root)
    }
    let session = URLSession(configuration: FollowProtocol.configuration(client: client))

    // swift-corelibs-foundation's URLSession cannot take a redirect from a protocol, so here the core
    // follows: the hop to the other host is checked against that host's pins.
    let target = server.url(info.ports.good, "/", host: info.otherHost)
    let start = server.url(info.ports.good, "/redirect?to=\(target.absoluteString)")
    let (data, response) = try await session.data(from: start)
    #expect(String(decoding: data, as: UTF8.self) == "hello from good")
    #expect(response.url == target)

    let impostor = server.url(info.ports.impostor, "/", host: info.otherHost)
    let error = try #require(
        await nsError { try await session.data(from: server.url(info.ports.good, "/redirect?to=\(impostor)")) })
    #expect(error.code == URLError.Code.serverCertificateUntrusted.rawValue)
    #expect(error.userInfo[PinwireURLProtocol.UserInfoKey.host] as? String == info.otherHost)
}

@Test func redirectsAreReportedToTheLoadingSystemAndEachHopIsPinned() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server, roots: [info.rootsPem.test, info.rootsPem.evil]) {
        $0.add("**.pinwire.test", info.pins.leaf, info.pins.root)
    }
    RedirectProtocol.bind(client)

    /// Loads `request` as Apple's loading system would, with a new protocol instance.
    func load(_ request: URLRequest) async -> RecordingProtocolClient {
        let recorder = RecordingProtocolClient()
        RedirectProtocol(request: request, cachedResponse: nil, client: recorder).startLoading()
        #expect(await recorder.wait { $0.ended })
        return recorder
    }

    // A POST redirected (302) to another origin: reported, not followed.
    let target = server.url(info.ports.http1, "/echo", host: info.otherHost)
    var post = URLRequest(url: server.url(info.ports.good, "/redirect?to=\(target)"))
    post.httpMethod = "POST"
    post.httpBody = Data("hello".utf8)
    post.setValue("42", forHTTPHeaderField: "x-test")
    post.setValue("Bearer secret", forHTTPHeaderField: "Authorization")
    let first = await load(post)
    let events = first.events
    #expect(events.count == 2, "\(events)")
    guard case .redirected(let next, let redirect)? = events.first, case .failed(let ended)? = events.last else {
        Issue.record("expected a redirect, then the end of the load: \(events)")
        return
    }
    #expect(redirect.statusCode == 302)
    #expect(redirect.url == post.url)
    #expect(next.url == target)
    #expect(next.httpMethod == "GET")
    #expect(next.httpBody == nil)
    #expect(next.value(forHTTPHeaderField: "x-test") == "42")
    #expect(next.value(forHTTPHeaderField: "Authorization") == nil, "credentials do not follow to another origin")
    #expect(ended.domain == NSCocoaErrorDomain)
    #expect(ended.code == CocoaError.Code.userCancelled.rawValue)

    // The next hop is a Pinwire call of its own.
    let second = await load(next)
    #expect(String(decoding: second.body, as: UTF8.self) == "GET x-test=42 body=0")
    guard case .finished? = second.events.last else {
        Issue.record("the second hop did not finish: \(second.events)")
        return
    }

    // A hop to a server whose chain holds none of the pins fails on that hop.
    let impostor = server.url(info.ports.impostor, "/", host: info.otherHost)
    let toImpostor = await load(URLRequest(url: server.url(info.ports.good, "/redirect?to=\(impostor)")))
    guard case .redirected(let hop, _)? = toImpostor.events.first else {
        Issue.record("expected a redirect: \(toImpostor.events)")
        return
    }
    let refused = await load(hop)
    guard case .failed(let error)? = refused.events.last else {
        Issue.record("the impostor hop did not fail: \(refused.events)")
        return
    }
    #expect(error.code == URLError.Code.serverCertificateUntrusted.rawValue)
    #expect(error.userInfo[PinwireURLProtocol.UserInfoKey.chainPins] as? [String]
        == [info.pins.impostorLeaf, info.pins.evilRoot])
}

/// The hex SHA-256 of `data`, from coreutils' `sha256sum` (Foundation on Linux has no SHA-256).
private func sha256(_ data: Data) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("pinwire-body-\(UUID().uuidString)")
    try data.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [file.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: text, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}

@Test func anHTTPBodyStreamIsSentAsItIsRead() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }
    let session = URLSession(configuration: UploadProtocol.configuration(client: client))
    let size = 5 * 1024 * 1024 + 3
    let body = pattern(size)
    let expected = try sha256(body)

    // No length given: on HTTP/1.1 the body goes chunked, as it is read, not gathered first.
    var request = URLRequest(url: server.url(info.ports.http1, "/upload/digest"))
    request.httpMethod = "POST"
    request.httpBodyStream = InputStream(data: body)
    let (data, response) = try await session.data(for: request)
    #expect((response as? HTTPURLResponse)?.statusCode == 200)
    let seen = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    #expect(seen["length"] as? Int == size, "\(seen)")
    #expect(seen["sha256"] as? String == expected)
    #expect(seen["chunked"] as? Bool == true)

    // With a Content-Length header the stream goes with that length.
    request.httpBodyStream = InputStream(data: body)
    request.setValue(String(size), forHTTPHeaderField: "Content-Length")
    let (sized, _) = try await session.data(for: request)
    let seenSized = try JSONSerialization.jsonObject(with: sized) as? [String: Any] ?? [:]
    #expect(seenSized["content_length"] as? String == String(size), "\(seenSized)")
    #expect(seenSized["sha256"] as? String == expected)
}
