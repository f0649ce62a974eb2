import Foundation
import Pinwire
import Testing

// A response body read through the Swift API while it is still arriving: the iterator takes what has arrived
// without an async call into Rust and awaits one only when nothing has (ReadyChunkTests check the generated
// reader underneath). `/trickle/<n>` sends `/pattern/<n>`'s bytes (byte i is i % 251), 4 KiB every 20 ms.

private func isPattern(_ data: Data) -> Bool {
    data.enumerated().allSatisfy { $0.element == UInt8($0.offset % 251) }
}

@Test func aBodyThatArrivesOverTimeIsReadWholeAndInOrder() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root) }
    let size = 200_000
    let url = server.url(info.ports.good, "/trickle/\(size)")

    var body = Data()
    for try await chunk in try await client.get(url).body {
        #expect(!chunk.isEmpty)
        body.append(chunk)
    }
    #expect(body.count == size)
    #expect(isPattern(body))

    let whole = try await client.get(url).data()
    #expect(whole.count == size)
    #expect(isPattern(whole))

    // /gated sends 1 MiB, then nothing until /open-gate: once that MiB is read, the next read finds nothing
    // and waits, and the rest comes when the gate opens.
    let gatedSize = 1_500_000
    var gated = 0
    var opened = false
    for try await chunk in try await client.get(server.url(info.ports.good, "/gated/\(gatedSize)")).body {
        #expect(chunk.allSatisfy { $0 == UInt8(ascii: "x") })
        gated += chunk.count
        if gated >= 1 << 20 && !opened {
            opened = true
            _ = try await client.get(server.url(info.ports.good, "/open-gate")).data()
        }
    }
    #expect(gated == gatedSize)

    // A body that has arrived whole by the time it is read (over HTTP/1.1 as well) ends the same way.
    for port in [info.ports.good, info.ports.http1] {
        let response = try await client.get(server.url(port, "/pattern/1000000"))
        try await Task.sleep(nanoseconds: 300_000_000)
        var read = Data()
        for try await chunk in response.body {
            read.append(chunk)
        }
        #expect(read.count == 1_000_000)
        #expect(isPattern(read))
    }
}

@Test func cancellingTheTaskStopsABodyThatIsStillArriving() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let info = server.info
    let client = try makeClient(server) { $0.add(info.host, info.pins.leaf, info.pins.root).readTimeout(600) }
    // ~10 s of body: each read finds a piece that has arrived, or waits a few ms for the next.
    let url = server.url(info.ports.good, "/trickle/2000000")

    let response = try await client.get(url)
    let reader = Task {
        var read = 0
        for try await chunk in response.body {
            read += chunk.count
        }
        return read
    }
    try await Task.sleep(nanoseconds: 300_000_000)
    let cancelledAt = Date()
    reader.cancel()
    #expect(await pinwireError { try await reader.value } == .cancelled)
    #expect(Date().timeIntervalSince(cancelledAt) < 5)

    // `data()` stops the same way.
    let whole = Task { try await client.get(url).data() }
    try await Task.sleep(nanoseconds: 300_000_000)
    whole.cancel()
    #expect(await pinwireError { try await whole.value } == .cancelled)

    // A task cancelled before it reads gets no bytes, even if they have arrived (the start that came with the
    // head included), and cancellation wins over a close that came too.
    let arrived = try await client.get(server.url(info.ports.good, "/pattern/300000"))
    try await Task.sleep(nanoseconds: 300_000_000)
    let early = Task {
        withUnsafeCurrentTask { $0?.cancel() }
        var iterator = arrived.body.makeAsyncIterator()
        return try await iterator.next()
    }
    #expect(await pinwireError { try await early.value } == .cancelled)
    let closedToo = Task {
        withUnsafeCurrentTask { $0?.cancel() }
        arrived.close()
        var iterator = arrived.body.makeAsyncIterator()
        return try await iterator.next()
    }
    #expect(await pinwireError { try await closedToo.value } == .cancelled)
    #expect(await pinwireError { try await arrived.data() } == .closed(what: "response body"))
}
