import Foundation
import Pinwire
import PinwireFlutterShim
import Testing

// The Flutter plugin's iOS shim (everything but the channel registration, PinwirePlugin.swift, which needs
// Flutter) against the real pinwire-testserver, with the values Flutter's standard codec hands it, and
// bindings/flutter/channel.json, the table of channel names, methods and message keys the Dart, Kotlin and
// Swift halves share.

/// Stands in for Flutter's `FlutterStandardTypedData`: bytes arrive and leave wrapped, as in an app.
private final class TypedBytes: @unchecked Sendable {
    let data: Data
    init(_ data: Data) { self.data = data }
}

nonisolated(unsafe) private let platformKey = DispatchSpecificKey<String>()

/// One answer, and whether it came on the queue the host posts to.
private struct Answer: @unchecked Sendable {
    let answer: FlutterAnswer
    let onPlatformQueue: Bool

    var result: [String: Any]? {
        if case .success(let value) = answer { return value as? [String: Any] }
        return nil
    }

    var error: (code: String, details: [String: Any])? {
        if case .error(let code, _, let details) = answer { return (code, details as? [String: Any] ?? [:]) }
        return nil
    }
}

private final class FlutterEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [(Any?, Bool)] = []
    func add(_ event: Any?, _ onPlatformQueue: Bool) { lock.lock(); events.append((event, onPlatformQueue)); lock.unlock() }
    var all: [(Any?, Bool)] { lock.lock(); defer { lock.unlock() }; return events }
}

/// A host posting to a serial "platform" queue, as the plugin posts to the main queue.
private func makeHost() -> PinwireFlutterHost {
    let queue = DispatchQueue(label: "flutter-platform")
    queue.setSpecific(key: platformKey, value: "platform")
    return PinwireFlutterHost(
        bytes: FlutterBytes(wrap: { TypedBytes($0) }, unwrap: { ($0 as? TypedBytes)?.data }),
        post: { block in queue.async(execute: block) })
}

private func call(_ host: PinwireFlutterHost, _ method: String, _ args: Any?) async -> Answer {
    await withCheckedContinuation { (done: CheckedContinuation<Answer, Never>) in
        host.handle(method, args) { answer in
            done.resume(returning: Answer(answer: answer, onPlatformQueue: DispatchQueue.getSpecific(key: platformKey) == "platform"))
        }
    }
}

private func clientArgs(_ server: TestServer, _ extra: [String: Any] = [:]) -> [String: Any] {
    let base: [String: Any] = [
        "trustedRootsPem": [server.info.rootsPem.test],
        "includePlatformTrust": false,
        "resolve": [server.info.host: "127.0.0.1"],
    ]
    return base.merging(extra) { _, new in new }
}

/// bindings/flutter/channel.json.
private func channelTable() throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("flutter/channel.json")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

private func keys(_ table: [String: Any], _ path: String...) -> Set<String> {
    var node: Any? = table
    for key in path { node = (node as? [String: Any])?[key] }
    return Set(node as? [String] ?? [])
}

@Test func flutterHostPinnedPostWithWrappedBytesAndItsPinEvent() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let host = makeHost()
    defer { host.close() }
    let events = FlutterEventLog()
    host.listen { events.add($0, DispatchQueue.getSpecific(key: platformKey) == "platform") }
    let pins = [server.info.pins.intermediate, server.info.pins.evilRoot]
    let created = await call(host, "createClient", clientArgs(server, ["pins": [server.info.host: pins]]))
    #expect(created.onPlatformQueue)
    let client = try #require(created.result?["client"] as? Int)
    let newCall = await call(host, "newCall", [
        "client": client, "url": server.url(server.info.ports.good, "/echo").absoluteString, "method": "POST",
        "headers": [["x-test", "from-dart"]], "body": TypedBytes(Data("hello".utf8)),
    ])
    let id = try #require(newCall.result?["call"] as? Int)
    let head = try #require(await call(host, "execute", ["call": id]).result)
    #expect(head["status"] as? Int == 200)
    #expect(head["version"] as? String == "HTTP/2.0")
    var body = Data()
    while true {
        let answer = await call(host, "readChunk", ["call": id])
        #expect(answer.onPlatformQueue)
        let result = try #require(answer.result)
        if result["done"] as? Bool == true { break }
        body.append(try #require(result["chunk"] as? TypedBytes, "chunks leave wrapped").data)
    }
    #expect(String(decoding: body, as: UTF8.self) == "POST x-test=from-dart body=5")
    let (event, onPlatformQueue) = try #require(events.all.first)
    #expect(onPlatformQueue, "events are posted too")
    let envelope = try #require(event as? [String: Any])
    #expect(envelope["event"] as? String == "pinEvent")
    let pinEvent = try #require(envelope["body"] as? [String: Any])
    #expect(pinEvent["client"] as? Int == client)
    #expect(pinEvent["outcome"] as? String == "matched")
    #expect(pinEvent["matchedPin"] as? String == server.info.pins.intermediate)
    #expect(host.openHandles() == ["clients": 1, "calls": 0])
    #expect(await call(host, "closeClient", ["client": client]).result?["closed"] as? Bool == true)
    #expect(host.openHandles() == ["clients": 0, "calls": 0])
}

@Test func flutterHostErrorsCarryTheTablesFields() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let table = try channelTable()
    let host = makeHost()
    defer { host.close() }
    let events = FlutterEventLog()
    host.listen { events.add($0, true) }
    let pins = [server.info.pins.impostorLeaf, server.info.pins.evilRoot]
    let client = try #require(await call(host, "createClient", clientArgs(server, ["pins": [server.info.host: pins]])).result?["client"])
    let id = try #require(await call(host, "newCall", ["client": client, "url": server.url(server.info.ports.good).absoluteString]).result?["call"])
    let mismatch = try #require(await call(host, "execute", ["call": id]).error)
    #expect(mismatch.code == "PinMismatch")
    #expect(Set(mismatch.details.keys) == keys(table, "errorFields", "PinMismatch"))
    #expect(mismatch.details["chainPins"] as? [String] == [server.info.pins.leaf, server.info.pins.intermediate, server.info.pins.root])
    let envelope = try #require(events.all.first?.0 as? [String: Any])
    #expect(Set(envelope.keys) == Set(table["eventEnvelope"] as? [String] ?? []))
    #expect(Set((envelope["body"] as? [String: Any] ?? [:]).keys) == keys(table, "events", "pinEvent"))

    let plain = try #require(await call(host, "createClient", clientArgs(server)).result?["client"])
    let untrustedCall = await call(host, "newCall", ["client": plain, "url": server.url(server.info.ports.untrusted).absoluteString])
    let untrusted = try #require(await call(host, "execute", ["call": untrustedCall.result?["call"] ?? 0]).error)
    #expect(untrusted.code == "UntrustedCertificate")
    #expect(untrusted.details["reason"] as? String == "unknownIssuer")
    #expect(Set(untrusted.details.keys) == keys(table, "errorFields", "UntrustedCertificate"))
    let unknown = try #require(await call(host, "execute", ["call": 9999]).error)
    #expect(unknown.code == "UnknownHandle")
    #expect(Set(unknown.details.keys) == keys(table, "errorFields", "UnknownHandle"))
    #expect(host.openHandles() == ["clients": 2, "calls": 0])
}

@Test func flutterHostRefusesTyposAndUnknownMethodsAndAnswersClosedAfterClose() async throws {
    let host = makeHost()
    let typo = try #require(await call(host, "createClient", ["callTimeoutMS": 5]).error)
    #expect(typo.code == "BadMessage")
    #expect(await call(host, "execute", [1]).error?.code == "BadMessage", "arguments that are not a map")
    #expect(await call(host, "execute", nil).error?.code == "BadMessage", "execute without its call id")
    if case .notImplemented = await call(host, "fetch", [:]).answer {} else { Issue.record("fetch is not a method") }
    #expect(await call(host, "openHandles", nil).result?["clients"] as? Int == 0)
    host.close()
    let closed = await call(host, "openHandles", [:])
    #expect(closed.error?.code == "Closed")
    #expect(closed.onPlatformQueue)
}

@Test func flutterChannelTableMatchesTheShimAndTheBridge() throws {
    let table = try channelTable()
    #expect(table["methodChannel"] as? String == FlutterChannel.methodChannel)
    #expect(table["eventChannel"] as? String == FlutterChannel.eventChannel)
    #expect(table["eventEnvelope"] as? [String] == [FlutterChannel.event, FlutterChannel.body])
    let methods = try #require(table["methods"] as? [String: Any])
    #expect(Set(methods.keys) == Set(PinwireBridge.methods))
    #expect(Set(FlutterChannel.arguments.keys) == Set(methods.keys))
    for method in methods.keys {
        #expect(FlutterChannel.arguments[method] == keys(table, "methods", method, "args"), "\(method)")
    }
    #expect(Set((table["errorFields"] as? [String: Any] ?? [:]).keys) == Set(BridgeError.Code.allCases.map(\.rawValue)))
    #expect(Set((table["events"] as? [String: Any] ?? [:]).keys) == [PinwireBridge.pinEvent])
}
