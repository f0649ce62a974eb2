import Foundation
import Pinwire
import Testing

// Signed pin updates from Swift: real documents made at test time by the `pinwire` tool (built next to the
// test server), applied to a client of the real test server.

/// Runs the `pinwire` tool (next to `PINWIRE_TESTSERVER`) and returns its standard output.
private func pinwireTool(_ args: [String]) throws -> Data {
    let server = ProcessInfo.processInfo.environment["PINWIRE_TESTSERVER"] ?? ""
    let tool = URL(fileURLWithPath: server).deletingLastPathComponent().appendingPathComponent("pinwire")
    let process = Process()
    process.executableURL = tool
    process.arguments = args
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestServerError(description: "pinwire \(args) exited \(process.terminationStatus)")
    }
    return data
}

private struct Signer {
    let dir: URL
    let key: URL
    let jwk: String

    init(dir: URL) throws {
        self.dir = dir
        key = dir.appendingPathComponent("signer.pem")
        let out = try pinwireTool(["update", "keygen", "--out", key.path, "--algorithm", "es256"])
        jwk = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func sign(version: Int, host: String, pins: [String]) throws -> Data {
        let config = dir.appendingPathComponent("config-\(version).json")
        let quoted = pins.map { "\"\($0)\"" }.joined(separator: ",")
        try Data(#"{"version":1,"rules":[{"pattern":"\#(host)","pins":[\#(quoted)]}]}"#.utf8).write(to: config)
        return try pinwireTool([
            "update", "sign", "--key", key.path, "--version", "\(version)", "--expires", "2099-01-01", config.path,
        ])
    }
}

@Test func anUpdateIsAppliedAndATamperedOneRefused() async throws {
    let server = try TestServer.start()
    defer { server.stop() }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pinwire-updates-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let signer = try Signer(dir: dir)
    let pins = server.info.pins
    let client = try makeClient(server) {
        // Shipped pins that the good server's chain does not carry.
        $0.add(server.info.host, pins.impostorLeaf, pins.evilRoot)
            .updates(UpdateOptions(keys: [signer.jwk], storeDirectory: dir))
    }
    #expect(client.versionInUse == 0)
    let good = URL(string: "https://\(server.info.host):\(server.info.ports.good)/")!

    let document = try signer.sign(version: 2, host: server.info.host, pins: [pins.leaf, pins.root])
    var tampered = document
    let middle = tampered.firstIndex(of: UInt8(ascii: "."))! + 5
    tampered[middle] = tampered[middle] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
    do {
        try client.applyUpdate(tampered)
        Issue.record("a tampered document was applied")
    } catch let error as UpdateError {
        #expect(error.reason == .badSignature || error.reason == .malformed, "\(error)")
    }
    #expect(client.versionInUse == 0)
    await #expect(throws: PinwireError.self) { _ = try await client.get(good) }

    #expect(try client.applyUpdate(document) == .applied(version: 2, previous: 0))
    #expect(client.versionInUse == 2)
    let response = try await client.get(good)
    #expect(response.status == 200)

    do {
        try client.applyUpdate(try signer.sign(version: 1, host: server.info.host, pins: [pins.leaf, pins.root]))
        Issue.record("a rollback was applied")
    } catch let error as UpdateError {
        #expect(error.reason == .rollback && error.version == 1)
    }
    #expect(client.versionInUse == 2)
}
