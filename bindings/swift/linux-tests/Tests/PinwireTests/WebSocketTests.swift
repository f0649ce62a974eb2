import Foundation
import Pinwire
import Testing

// WebSockets against the test server's echo (`/ws/<id>`), over the pinned chain, the impostor chain and
// cleartext; `/ws-state/<id>` says how the server saw each session end.

private func session() -> String { "swift-\(UUID().uuidString)" }

private func wsURL(_ server: TestServer, _ port: Int, _ path: String, scheme: String = "wss") -> URL {
    URL(string: "\(scheme)://\(server.info.host):\(port)\(path)")!
}

/// `closed <code> <reason>` or `dropped`, once the server saw session `id` end.
private func endState(_ server: TestServer, _ id: String) async throws -> String {
    let reader = try makeClient(server)
    for _ in 0..<250 {
        let state = try await reader.get(server.url(server.info.ports.http1, "/ws-state/\(id)")).text()
        if state != "open" && state != "no such session" { return state }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    return "still open"
}

@Test func webSocketEchoesTextAndBinaryOverThePinnedChainAndClosesWithACode() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let events = EventLog()
    let client = try makeClient(server) {
        $0.add(info.host, info.pins.intermediate, info.pins.evilRoot).onPinEvent { events.append($0) }
    }
    let id = session()
    let socket = try await client.webSocket(wsURL(server, info.ports.good, "/ws/\(id)"))
    try await socket.send("héllo")
    try await socket.send(Data([0, 1, 2, 255]))
    var iterator = socket.makeAsyncIterator()
    let first = try await iterator.next()
    let second = try await iterator.next()
    #expect(first == .text("héllo"))
    #expect(second == .binary(Data([0, 1, 2, 255])))
    try await socket.close(code: 4000, reason: "bye")
    #expect(try await endState(server, id) == "closed 4000 bye")
    let end = try await iterator.next()
    #expect(end == nil)
    #expect(socket.isClosed)
    let event = try #require(events.events.first)
    #expect(events.events.count == 1)
    #expect(event.outcome == .matched(pin: info.pins.intermediate))
    #expect(event.port.map { Int($0) } == info.ports.good)
}

@Test func webSocketOnTheImpostorChainIsAPinMismatchWithAnEventAndAReport() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let events = EventLog()
    let collector = server.url(info.ports.http1, "/collect").absoluteString
    let app = AppIdentity(bundleId: "dev.pinwire.swift-ws", version: "1.0", vendorId: "vendor-swift-ws", platformVersion: "17.0")
    // The impostor's CA is trusted: only the pins catch it.
    let client = try makeClient(server, roots: [info.rootsPem.test, info.rootsPem.evil]) {
        $0.add(info.host, info.pins.intermediate, info.pins.root)
            .onPinEvent { events.append($0) }
            .reporting(app: app, uris: [info.host: collector])
    }
    let error = await pinwireError { try await client.webSocket(wsURL(server, info.ports.impostor, "/ws/\(session())")) }
    guard case let .pinMismatch(host, port, _, _, chainPins, _, _) = error else {
        Issue.record("expected .pinMismatch, got \(String(describing: error))")
        return
    }
    #expect(host == info.host)
    #expect(port.map { Int($0) } == info.ports.impostor)
    #expect(chainPins == [info.pins.impostorLeaf, info.pins.evilRoot])
    #expect(events.events.map(\.outcome) == [.mismatch])

    let reader = try makeClient(server)
    var reported = false
    for _ in 0..<100 where !reported {
        reported = try await reader.get(server.url(info.ports.http1, "/collected")).text().contains("vendor-swift-ws")
        if !reported { try await Task.sleep(nanoseconds: 50_000_000) }
    }
    #expect(reported, "the failure report reached the collector")
}

@Test func cancellingTheIteratingTaskCancelsTheWebSocket() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.evilRoot) }
    let id = session()
    let socket = try await client.webSocket(wsURL(server, info.ports.good, "/ws/\(id)"))
    let iterating = Task {
        var count = 0
        for try await _ in socket { count += 1 }
        return count
    }
    try await socket.send("one")
    try await Task.sleep(nanoseconds: 200_000_000)
    iterating.cancel()
    let result = await iterating.result
    guard case let .failure(error) = result, error as? PinwireError == .cancelled else {
        Issue.record("expected PinwireError.cancelled, got \(result)")
        return
    }
    #expect(try await endState(server, id) == "dropped", "the connection ended without a closing handshake")
}

@Test func theServersCloseCodeEndsTheIteration() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.evilRoot) }
    let socket = try await client.webSocket(wsURL(server, info.ports.good, "/ws/\(session())"))
    try await socket.send("before")
    try await socket.send("close 4001 done")
    var all: [WebSocketMessage] = []
    for try await message in socket { all.append(message) }
    #expect(all == [.text("before")])
    #expect(socket.closeFrame == WebSocketCloseFrame(code: 4001, reason: "done"))
}

@Test func webSocketPingsAreAnsweredBothWays() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.evilRoot) }
    let socket = try await client.webSocket(wsURL(server, info.ports.good, "/ws/\(session())"))
    try await socket.ping(Data("hi".utf8))
    try await socket.send("ping 7")
    #expect(try await socket.receive() == .text("pong 7"))
    let refused = await pinwireError { try await socket.close(code: 1005) }
    guard case .invalidConfig = refused else {
        Issue.record("expected .invalidConfig, got \(String(describing: refused))")
        return
    }
    try await socket.close()
}

@Test func wsIsCleartextAndFollowsThePolicy() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let plain = try #require(server.ports["plain"])
    let url = wsURL(server, plain, "/ws/\(session())", scheme: "ws")
    let strict = try makeClient(server)
    let error = await pinwireError { try await strict.webSocket(url) }
    guard case .cleartextNotPermitted = error else {
        Issue.record("expected .cleartextNotPermitted, got \(String(describing: error))")
        return
    }
    let permissive = try makeClient(server) { $0.cleartextPermittedByDefault() }
    var request = WebSocketRequest(url: url)
    request.protocols = ["chat"]
    let socket = try await permissive.webSocket(request)
    #expect(socket.protocol == "chat")
    try await socket.send("plain")
    #expect(try await socket.receive() == .text("plain"))
    socket.cancel()
    var count = 0
    for try await _ in socket { count += 1 }
    #expect(count == 0, "a cancelled socket's iteration ends")
}
