import Foundation
import Pinwire
import Testing

// Servers that misbehave (the test server's `fault-*` ports): each fault reaches Swift as its typed
// `PinwireError`, within the timeouts, and the client keeps working afterwards.

/// The URL of the test server's port called `name` (`fault-tls-alert`, `refused`, `good`, ...).
private func url(_ server: TestServer, _ name: String, _ path: String = "/") throws -> URL {
    let port = try #require(server.ports[name], "the test server has no port \(name)")
    return server.url(port, path)
}

private enum Stage { case request, body }

/// Fetches `url` whole; the `PinwireError` and where it was thrown (records an issue if it succeeds).
private func failure(_ client: PinwireClient, _ url: URL) async -> (Stage, PinwireError)? {
    let started = Date()
    defer { #expect(Date().timeIntervalSince(started) < 8, "\(url) took too long") }
    let response: Response
    do {
        response = try await client.get(url)
    } catch let error as PinwireError {
        return (.request, error)
    } catch {
        Issue.record("not a PinwireError: \(error)")
        return nil
    }
    defer { response.close() }
    do {
        let body = try await response.data()
        Issue.record("\(url) succeeded with \(body.count) bytes")
    } catch let error as PinwireError {
        return (.body, error)
    } catch {
        Issue.record("not a PinwireError: \(error)")
    }
    return nil
}

private func isProtocolError(_ error: PinwireError) -> Bool {
    if case .protocolError = error { return true }
    return false
}

@Test(arguments: [
    ("reset-before-response", true), ("reset-mid-body", false), ("short-body", false), ("tls-alert", true),
    ("garbage", true), ("huge-headers", true), ("http2-reset", false),
])
func faultIsAProtocolError(name: String, beforeResponse: Bool) async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let client = try makeClient(server) { $0.readTimeout(5).callTimeout(15) }
    let (stage, error) = try #require(await failure(client, try url(server, "fault-\(name)")))
    #expect(isProtocolError(error), "\(name): \(error)")
    #expect(stage == (beforeResponse ? .request : .body), "\(name): \(error)")
    // The same client still works.
    let body = try await client.get(try url(server, "good", "/bytes/1000")).data()
    #expect(body.count == 1000)
}

@Test func http2GoawayMidStreamIsAProtocolError() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let client = try makeClient(server) { $0.readTimeout(5).callTimeout(15) }
    let (_, error) = try #require(await failure(client, try url(server, "fault-http2-goaway")))
    #expect(isProtocolError(error), "\(error)")
}

@Test func connectionRefusedIsAConnectError() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let client = try makeClient(server) { $0.readTimeout(5).callTimeout(15) }
    let (stage, error) = try #require(await failure(client, try url(server, "refused")))
    #expect(stage == .request)
    guard case .connect = error else {
        Issue.record("expected .connect, got \(error)")
        return
    }
}

@Test func stallsAreReadTimeouts() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let client = try makeClient(server) { $0.readTimeout(0.3) }
    for (path, expected) in [("/stall", Stage.request), ("/slow-body", Stage.body)] {
        let (stage, error) = try #require(await failure(client, try url(server, "good", path)))
        #expect(stage == expected, "\(path)")
        guard case .timeout(let kind, _, _) = error, kind == .read else {
            Issue.record("\(path): expected a read timeout, got \(error)")
            continue
        }
    }
}

@Test func aRedirectLoopIsTooManyRedirects() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let client = try makeClient(server) { $0.maxRedirects(3) }
    let (stage, error) = try #require(await failure(client, try url(server, "good", "/loop")))
    #expect(stage == .request)
    guard case .tooManyRedirects(_, let max, _) = error else {
        Issue.record("expected .tooManyRedirects, got \(error)")
        return
    }
    #expect(max == 3)
}
