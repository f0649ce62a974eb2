import Foundation
import PinwireBindings
import Testing

// The generated `BodyReader.readyChunk()` under the Swift API's body iterator, called directly: bytes that
// have arrived, `wouldBlock` when none have, and the end, all without an async call.

/// `readyChunk()` until the end or until `stop` bytes have been read (bounded: 20 s), sleeping a little on
/// `wouldBlock`; the bytes and whether the end was reached.
private func readReady(_ reader: BodyReader, stoppingAt stop: Int = .max) async throws -> (Data, Bool) {
    var body = Data()
    let deadline = Date().addingTimeInterval(20)
    while body.count < stop && Date() < deadline {
        switch try reader.readyChunk() {
        case .data(let bytes):
            #expect(!bytes.isEmpty)
            body.append(bytes)
        case .wouldBlock:
            try await Task.sleep(nanoseconds: 5_000_000)
        case .end:
            return (body, true)
        }
    }
    return (body, false)
}

@Test func readyChunkReadsABodyToItsEndWithoutWaiting() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let options = ClientOptions(
        trustedRootsPem: [info.rootsPem.test], includePlatformTrust: false,
        resolve: [ResolveOverride(host: info.host, address: "127.0.0.1")])
    let client = try PinwireClient(options: options, listener: nil)
    func get(_ path: String) async throws -> HttpResponse {
        let url = server.url(info.ports.good, path).absoluteString
        return try await client.execute(request: HttpRequest(method: "GET", url: url), cancel: nil)
    }

    // A body arriving over time, and one that has arrived whole: byte for byte, to the end.
    for size in [100_000, 1_000_000] {
        let response = try await get(size == 100_000 ? "/trickle/\(size)" : "/pattern/\(size)")
        let reader = try #require(response.body)
        let (rest, ended) = try await readReady(reader)
        let body = response.bodyStart + rest
        #expect(ended)
        #expect(body.count == size)
        #expect(body.enumerated().allSatisfy { $0.element == UInt8($0.offset % 251) })
        #expect(try reader.readyChunk() == .end)
    }

    // /gated stops after 1 MiB until /open-gate: then there is nothing to read, and the rest comes after.
    let gated = try await get("/gated/1500000")
    let reader = try #require(gated.body)
    let (head, _) = try await readReady(reader, stoppingAt: (1 << 20) - gated.bodyStart.count)
    #expect(gated.bodyStart.count + head.count == 1 << 20)
    #expect(try reader.readyChunk() == .wouldBlock)
    _ = try await get("/open-gate")
    let (tail, ended) = try await readReady(reader)
    #expect(ended)
    #expect(gated.bodyStart.count + head.count + tail.count == 1_500_000)
    #expect((gated.bodyStart + head + tail).allSatisfy { $0 == UInt8(ascii: "x") })

    // After `discard`, it says the body is closed.
    let stalled = try await get("/slow-body")
    let stalledReader = try #require(stalled.body)
    stalledReader.discard()
    #expect(throws: PinwireBindings.PinwireError.Closed(what: "response body")) { try stalledReader.readyChunk() }
}
