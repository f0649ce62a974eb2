import Foundation
import Pinwire
import Testing

// Transparent decompression and cookies through the Swift API, against the real test server.

/// The test server's `/pattern` body: byte `i` is `i % 251`.
private func pattern(_ n: Int) -> Data {
    Data((0..<n).map { UInt8($0 % 251) })
}

@Test(arguments: ["gzip", "br", "zstd"])
func compressedBodiesAreDecoded(coding: String) async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let client = try makeClient(server)
    let response = try await client.get(server.url(server.info.ports.good, "/compressed/300000?coding=\(coding)"))
    #expect(response.header("content-encoding") == nil)
    #expect(response.header("content-length") == nil)
    #expect(response.header("x-decoded-length") == "300000")
    var body = Data()
    for try await piece in response.body {
        body.append(piece)
    }
    #expect(body == pattern(300_000))
}

@Test func decompressionIsOffPerClientAndPerRequest() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let url = server.url(server.info.ports.good, "/compressed/1000")
    let off = try makeClient(server) { $0.decompress(false) }
    let plain = try await off.get(url)
    #expect(plain.header("content-encoding") == nil)
    #expect(plain.header("content-length") == "1000")
    #expect(try await plain.data() == pattern(1000))
    let decoded = try await off.execute(Request(url).decompress(true))
    #expect(decoded.header("content-length") == nil)
    #expect(try await decoded.data() == pattern(1000))
    let raw = try await makeClient(server).execute(
        Request(url, headers: [Header("accept-encoding", "zstd")]).decompress(false))
    #expect(raw.header("content-encoding") == "zstd")
    #expect(try await raw.data().count < 1000)
}

// zstd, not brotli: the server makes its brotli bomb in seconds of CPU, which would slow the suite's
// timing-sensitive tests running beside this one (Kotlin's and Rust's suites refuse the brotli bomb).
@Test func aZstdBombIsRefusedWithTheTypedError() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let client = try makeClient(server)
    let response = try await client.get(server.url(server.info.ports.good, "/bomb/zstd"))
    let error = await pinwireError { try await response.data() }
    guard case let .decodedBodyTooLarge(_, decodedBytes, compressedBytes, detail) = error else {
        Issue.record("expected .decodedBodyTooLarge, got \(String(describing: error))")
        return
    }
    #expect(decodedBytes > 1 << 20 && decodedBytes < 64 << 20)
    #expect(compressedBytes < 64 * 1024)
    #expect(detail.contains("exceeds the bound"))
}

/// An app's store: a list, handed back whole for any URL; the client filters.
private final class ListStore: CookieStore, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Cookie] = []
    private var log: [String] = []

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    var cookies: [Cookie] { locked { stored } }
    var calls: [String] { locked { log } }

    func add(_ cookie: Cookie) {
        locked { stored.append(cookie) }
    }

    func save(_ cookies: [Cookie], for url: URL) {
        locked {
            log.append("save \(url.path)")
            stored += cookies
        }
    }

    func load(for url: URL) -> [Cookie] {
        locked {
            log.append("load \(url.path)")
            return stored
        }
    }
}

@Test func aLoginCookieIsSentAfterARedirectAndNotToAnotherHost() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let good = server.info.ports.good
    let client = try makeClient(server) { $0.cookies() }
    let login = try await client.get(server.url(good, "/cookies/login?to=/cookies/echo")).text()
    #expect(login == "session=s3cr3t")
    #expect(try await client.get(server.url(good, "/cookies/echo")).text() == "session=s3cr3t")
    let elsewhere = server.url(good, "/cookies/echo", host: server.info.otherHost)
    #expect(try await client.get(elsewhere).text() == "")
    let none = try makeClient(server)
    _ = try await none.get(server.url(good, "/cookies/login")).text()
    #expect(try await none.get(server.url(good, "/cookies/echo")).text() == "")
}

@Test func theAppsOwnStoreIsCalledAndWhatItHandsBackIsChecked() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let good = server.info.ports.good
    let store = ListStore()
    let client = try makeClient(server) { $0.cookieStore(store) }
    #expect(try await client.get(server.url(good, "/cookies/login")).text() == "session=s3cr3t")
    #expect(
        store.cookies == [
            Cookie(name: "session", value: "s3cr3t", domain: server.info.host, hostOnly: true, path: "/", httpOnly: true)
        ])
    #expect(store.calls.contains("save /cookies/login"))
    #expect(store.calls.contains("load /cookies/echo"))
    store.add(Cookie(name: "theme", value: "dark", domain: "pinwire.test", hostOnly: false, path: "/"))
    #expect(try await client.get(server.url(good, "/cookies/echo")).text() == "session=s3cr3t; theme=dark")
    let elsewhere = server.url(good, "/cookies/echo", host: server.info.otherHost)
    #expect(try await client.get(elsewhere).text() == "theme=dark")
}

@Test func aPinnedHostsCookiesDoNotGetPastAnImpostor() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let store = ListStore()
    let client = try makeClient(server, roots: [server.info.rootsPem.test, server.info.rootsPem.evil]) {
        $0.add(server.info.host, server.info.pins.intermediate, server.info.pins.root).cookieStore(store)
    }
    _ = try await client.get(server.url(server.info.ports.good, "/cookies/login")).text()
    let error = await pinwireError { try await client.get(server.url(server.info.ports.impostor, "/cookies/echo")) }
    guard case .pinMismatch = error else {
        Issue.record("expected .pinMismatch, got \(String(describing: error))")
        return
    }
    #expect(try await client.get(server.url(server.info.ports.good, "/cookies/echo")).text() == "session=s3cr3t")
}
