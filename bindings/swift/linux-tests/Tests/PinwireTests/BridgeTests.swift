import Foundation
import Pinwire
import Testing

// The Swift host bridge (PinwireBridge) against the real pinwire-testserver: the Kotlin bridge's cases, smaller.

/// `createClient` arguments for a client trusting only the test root, the test host resolved locally.
private func clientArgs(_ server: TestServer, _ extra: BridgeMessage = [:]) -> BridgeMessage {
    let base: BridgeMessage = [
        "trustedRootsPem": [.string(server.info.rootsPem.test)],
        "includePlatformTrust": false,
        "resolve": [server.info.host: "127.0.0.1"],
    ]
    return base.merging(extra) { _, new in new }
}

private func callArgs(_ client: BridgeValue?, _ url: URL, method: String = "GET", body: BridgeValue = .null) -> BridgeMessage {
    ["client": client ?? .null, "url": .string(url.absoluteString), "method": .string(method), "headers": [], "body": body]
}

/// The bridge error `body` throws, or an issue.
private func bridgeError(_ body: () async throws -> BridgeMessage) async -> BridgeError? {
    do {
        Issue.record("expected a BridgeError, got \(try await body())")
    } catch let error as BridgeError {
        return error
    } catch {
        Issue.record("expected a BridgeError, got \(error)")
    }
    return nil
}

/// Reads a call to its end.
private func readAll(_ bridge: PinwireBridge, _ call: BridgeValue?) async throws -> Data {
    var body = Data()
    while true {
        let answer = try await bridge.call("readChunk", ["call": call ?? .null])
        if answer["done"] == BridgeValue.bool(true) { return body }
        guard case .bytes(let chunk)? = answer["chunk"] else { throw BridgeError(code: .internal, message: "no chunk") }
        body.append(chunk)
    }
}

/// The strings of a list value (a pin set's order follows the run's keys: compare as sets).
private func strings(_ value: BridgeValue?) -> [String] {
    guard case .list(let items)? = value else { return [] }
    return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
}

private final class BridgeEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [BridgeMessage] = []
    func add(_ event: BridgeMessage) { lock.lock(); events.append(event); lock.unlock() }
    var all: [BridgeMessage] { lock.lock(); defer { lock.unlock() }; return events }
}

@Test func bridgePinnedRequestAndItsPinEvent() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let log = BridgeEventLog()
    let bridge = PinwireBridge { name, body in if name == PinwireBridge.pinEvent { log.add(body) } }
    let pins: BridgeValue = [.string(server.info.pins.intermediate), .string(server.info.pins.evilRoot)]
    let client = try await bridge.call("createClient", clientArgs(server, ["pins": .map([server.info.host: pins])]))["client"]
    let call = try await bridge.call(
        "newCall", callArgs(client, server.url(server.info.ports.good, "/echo"), method: "post", body: "aGVsbG8="))["call"]
    let head = try await bridge.call("execute", ["call": call ?? .null])
    #expect(head["status"] == BridgeValue.int(200))
    #expect(head["version"] == BridgeValue.string("HTTP/2.0"))
    #expect(String(decoding: try await readAll(bridge, call), as: UTF8.self) == "POST x-test= body=5")
    let event = try #require(log.all.first)
    #expect(event["client"] == client)
    #expect(event["outcome"] == BridgeValue.string("matched"))
    #expect(event["matchedPin"] == BridgeValue.string(server.info.pins.intermediate))
    #expect(Set(strings(event["expectedPins"])) == Set(strings(pins)))
    #expect(bridge.openHandles() == ["clients": 1, "calls": 0])
    #expect(try await bridge.call("closeClient", ["client": client ?? .null]) == ["closed": true])
    #expect(bridge.openHandles() == ["clients": 0, "calls": 0])
}

@Test func bridgePinMismatchHasEveryField() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let bridge = PinwireBridge()
    let pins: BridgeValue = [.string(server.info.pins.impostorLeaf), .string(server.info.pins.evilRoot)]
    let client = try await bridge.call("createClient", clientArgs(server, ["pins": .map([server.info.host: pins])]))["client"]
    let call = try await bridge.call("newCall", callArgs(client, server.url(server.info.ports.good)))["call"]
    let error = try #require(await bridgeError { try await bridge.call("execute", ["call": call ?? .null]) })
    #expect(error.code == .pinMismatch)
    #expect(error.message.hasPrefix("Certificate pinning failure!"))
    let message = error.asMessage
    #expect(message["code"] == BridgeValue.string("PinMismatch"))
    #expect(message["host"] == BridgeValue.string(server.info.host))
    #expect(message["port"] == BridgeValue.int(server.info.ports.good))
    #expect(Set(strings(message["expectedPins"])) == Set(strings(pins)))
    #expect(message["chainPins"] == [.string(server.info.pins.leaf), .string(server.info.pins.intermediate), .string(server.info.pins.root)])
    #expect(bridge.openHandles() == ["clients": 1, "calls": 0])
}

@Test func bridgeUntrustedChainAndBadMessagesLeaveNoHandles() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let bridge = PinwireBridge()
    let client = try await bridge.call("createClient", clientArgs(server))["client"]
    let call = try await bridge.call("newCall", callArgs(client, server.url(server.info.ports.untrusted)))["call"]
    let untrusted = try #require(await bridgeError { try await bridge.call("execute", ["call": call ?? .null]) })
    #expect(untrusted.code == .untrustedCertificate)
    #expect(untrusted.fields["reason"] == BridgeValue.string("unknownIssuer"))
    let failures: [(BridgeError.Code, String, BridgeMessage)] = [
        (.invalidConfig, "createClient", clientArgs(server, ["pins": .map([server.info.host: [.string(server.info.pins.leaf)]])])),
        (.badMessage, "createClient", clientArgs(server, ["readTimeoutMs": "soon"])),
        (.badMessage, "newCall", ["client": client ?? .null]),
        (.badMessage, "teleport", [:]),
        (.unknownHandle, "execute", ["call": 999]),
    ]
    for (code, method, args) in failures {
        let error = await bridgeError { try await bridge.call(method, args) }
        #expect(error?.code == code, "\(method)")
        #expect(bridge.openHandles() == ["clients": 1, "calls": 0])
    }
    // Host values (what React Native's module hands over): numbers as doubles, bytes as base64.
    let answer = await withCheckedContinuation { (continuation: CheckedContinuation<Result<BridgeMessage, BridgeError>, Never>) in
        bridge.handle("newCall", ["client": 1.0, "url": server.url(server.info.ports.good).absoluteString, "headers": [["x-test", "y"]]]) {
            continuation.resume(returning: $0)
        }
    }
    let hostCall = try answer.get()["call"]
    #expect(bridge.openHandles() == ["clients": 1, "calls": 1])
    _ = try await bridge.call("closeCall", ["call": hostCall ?? .null])
    bridge.close()
    #expect(bridge.openHandles() == ["clients": 0, "calls": 0])
    // A closed bridge refuses every message, a new client included.
    for method in ["createClient", "openHandles"] {
        let error = await bridgeError { try await bridge.call(method, clientArgs(server)) }
        #expect(error?.code == .closed, "\(method)")
        #expect(error?.fields["what"] == .string("bridge"))
    }
    #expect(bridge.openHandles() == ["clients": 0, "calls": 0])
}

@Test func bridgeCancelDuringASlowBody() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let bridge = PinwireBridge()
    let client = try await bridge.call("createClient", clientArgs(server, ["http1Only": true]))["client"]
    let call = try await bridge.call("newCall", callArgs(client, server.url(server.info.ports.http1, "/slow-body")))["call"] ?? .null
    _ = try await bridge.call("execute", ["call": call])
    #expect(try await bridge.call("readChunk", ["call": call])["chunk"] == BridgeValue.bytes(Data("first".utf8)))
    let pending = Task { await bridgeError { try await bridge.call("readChunk", ["call": call]) } }
    try await Task.sleep(nanoseconds: 300_000_000)
    #expect(try await bridge.call("cancel", ["call": call]) == ["cancelled": true])
    let error = await pending.value
    #expect(error?.code == .cancelled)
    #expect(bridge.openHandles() == ["clients": 1, "calls": 0])
    #expect(try await bridge.call("cancel", ["call": call]) == ["cancelled": false])
}

@Test func bridgeConcurrentCallsAndAStreamedBody() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let bridge = PinwireBridge()
    let client = try await bridge.call("createClient", clientArgs(server))["client"]
    try await withThrowingTaskGroup(of: Int.self) { group in
        for i in 0..<32 {
            group.addTask {
                let size = 10_000 + i
                let call = try await bridge.call("newCall", callArgs(client, server.url(server.info.ports.good, "/pattern/\(size)")))["call"]
                _ = try await bridge.call("execute", ["call": call ?? .null])
                let body = try await readAll(bridge, call)
                #expect(body.enumerated().allSatisfy { $0.element == UInt8($0.offset % 251) })
                return body.count - size
            }
        }
        for try await difference in group { #expect(difference == 0) }
    }
    let size = 8 * 1024 * 1024
    let call = try await bridge.call("newCall", callArgs(client, server.url(server.info.ports.good, "/bytes/\(size)")))["call"] ?? .null
    _ = try await bridge.call("execute", ["call": call])
    var total = 0
    var chunks = 0
    while true {
        let answer = try await bridge.call("readChunk", ["call": call])
        guard case .bytes(let chunk)? = answer["chunk"] else { break }
        #expect(chunk.count <= 256 * 1024)
        total += chunk.count
        chunks += 1
    }
    #expect(total == size)
    #expect(chunks >= size / (256 * 1024))
    #expect(bridge.openHandles() == ["clients": 1, "calls": 0])
}
