import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Pinwire
import Testing

// Streamed uploads against the test server's `/upload/digest` (which answers with the length and SHA-256 of
// what it read, never echoing the body) and `/upload/multipart` (which parses the form with `multer`).

/// A file of `length` bytes, byte `i` being `i % 251` (lost, repeated or swapped pieces change the digest).
private func patternFile(_ length: Int) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pinwire-upload-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    let block = Data((0..<(251 * 4096)).map { UInt8($0 % 251) })
    var written = 0
    while written < length {
        let n = min(block.count, length - written)
        try handle.write(contentsOf: block.prefix(n))
        written += n
    }
    return url
}

/// The SHA-256 of a file, from coreutils' `sha256sum` (Foundation on Linux has no SHA-256).
private func sha256(_ url: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [url.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}

private func json(_ response: Response) async throws -> [String: Any] {
    let data = try await response.data()
    #expect(response.status == 200, "\(String(decoding: data, as: UTF8.self))")
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
}

/// The last progress heard, and how many times.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var last: (UInt64, UInt64?)?
    private(set) var count = 0

    func record(_ sent: UInt64, _ total: UInt64?) {
        lock.lock()
        defer { lock.unlock() }
        last = (sent, total)
        count += 1
    }
}

/// The task of an upload, for its progress handler to cancel.
private final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Response, any Error>?
    private var cancelled = false

    func set(_ task: Task<Response, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        self.task = task
        if cancelled { task.cancel() }
    }

    func cancel() {
        lock.lock()
        defer { lock.unlock() }
        cancelled = true
        task?.cancel()
    }
}

/// One upload at a time: each moves tens of MiB through TLS, and beside each other they would starve the
/// other suites' tests that count on short read timeouts.
@Suite(.serialized) struct UploadTests {
    @Test func aFileUploadStreamsWithItsLengthDigestAndProgress() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try makeClient(server)
        let length = 8 * 1024 * 1024 + 5
        let file = try patternFile(length)
        defer { try? FileManager.default.removeItem(at: file) }
        let log = ProgressLog()
        let request = Request.post(server.url(server.info.ports.http1, "/upload/digest"), body: try .file(file))
            .uploadProgress { sent, total in log.record(sent, total) }
        let seen = try await json(try await client.execute(request))
        #expect(seen["length"] as? Int == length)
        let expected = try sha256(file)
        #expect(seen["sha256"] as? String == expected)
        #expect(seen["content_length"] as? String == String(length))
        #expect(seen["chunked"] as? Bool == false)
        #expect(log.last?.0 == UInt64(length) && log.last?.1 == UInt64(length), "progress reaches the total")
        #expect(log.count >= length / (256 * 1024))
    }

    @Test func streamsAndSequencesUploadWhatTheyYieldChunkedWhenTheLengthIsUnknown() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try makeClient(server)
        let length = 3 * 1024 * 1024 + 17
        let file = try patternFile(length)
        defer { try? FileManager.default.removeItem(at: file) }
        let expected = try sha256(file)
        let data = try Data(contentsOf: file)
        let pieces = AsyncStream<Data> { continuation in
            var offset = 0
            while offset < data.count {
                continuation.yield(data.subdata(in: offset..<min(data.count, offset + 100_000)))
                offset += 100_000
            }
            continuation.finish()
        }
        let bodies: [(String, RequestBody, Bool)] = [
            ("input stream, length known", .inputStream(InputStream(url: file)!, contentLength: UInt64(length)), true),
            ("input stream, length unknown", .inputStream(InputStream(url: file)!), false),
            ("async sequence", .sequence(pieces), false),
            ("writer", .writer(contentLength: UInt64(length)) { sink in try await sink.write(data) }, true),
        ]
        for (name, body, known) in bodies {
            let request = Request.post(server.url(server.info.ports.http1, "/upload/digest"), body: body)
            let seen = try await json(try await client.execute(request))
            #expect(seen["length"] as? Int == length, "\(name)")
            #expect(seen["sha256"] as? String == expected, "\(name)")
            #expect(seen["chunked"] as? Bool == !known, "\(name)")
        }
    }

    @Test func cancellingAnUploadHalfWayEndsTheCall() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try makeClient(server)
        let length = 16 * 1024 * 1024
        let file = try patternFile(length)
        defer { try? FileManager.default.removeItem(at: file) }
        let log = ProgressLog()
        let uploading = TaskBox()
        // The task is cancelled from the progress handler itself, at half way, so the rest of the body cannot
        // slip through before the cancellation (as it could if another task had to wake up to cancel).
        let request = Request.post(server.url(server.info.ports.http1, "/upload/digest"), body: try .file(file))
            .uploadProgress { sent, total in
                log.record(sent, total)
                if sent >= UInt64(length / 2) { uploading.cancel() }
            }
        let started = Date()
        let task = Task { try await client.execute(request) }
        uploading.set(task)
        let result = await task.result
        #expect(Date().timeIntervalSince(started) < 30, "the call ends promptly")
        switch result {
        case .success(let response): Issue.record("expected cancellation, got \(response.status)")
        case .failure(let error): #expect(error as? PinwireError == .cancelled, "\(error)")
        }
        let sent = log.last?.0 ?? 0
        #expect(sent >= UInt64(length / 2) && sent < UInt64(length), "sent \(sent) of \(length)")
        // The client goes on working.
        let seen = try await json(
            try await client.execute(.post(server.url(server.info.ports.http1, "/upload/digest"), body: "after")))
        #expect(seen["length"] as? Int == 5)
    }

    @Test func aMultipartFormIsParsedBackByTheServer() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try makeClient(server)
        let photoLength = 1024 * 1024 + 3
        let photo = try patternFile(photoLength)
        defer { try? FileManager.default.removeItem(at: photo) }
        let form = try MultipartBody.Builder()
            .addFormDataPart(name: "title", value: "Holidays \u{2600}")
            .addFormDataPart(name: "photo", filename: "beach \"1\".jpg", body: try .file(photo, contentType: "image/jpeg"))
            .build()
        #expect(form.body.contentType?.hasPrefix("multipart/form-data; boundary=") == true)
        #expect(form.body.contentLength != nil, "every part's length is known")
        #expect(throws: PinwireError.self) {
            try MultipartBody.Builder()
                .addFormDataPart(name: "f", filename: nil, body: .text("x", contentType: "text/plain\r\nX-Evil: 1"))
                .build()
        }
        let response = try await client.execute(.post(server.url(server.info.ports.good, "/upload/multipart"), body: form.body))
        let seen = try await json(response)
        let parts = seen["parts"] as? [[String: Any]] ?? []
        #expect(parts.count == 2)
        guard parts.count == 2 else { return }
        #expect(parts[0]["name"] as? String == "title")
        #expect(parts[0]["text"] as? String == "Holidays \u{2600}")
        #expect(parts[1]["filename"] as? String == "beach %221%22.jpg")
        #expect(parts[1]["content_type"] as? String == "image/jpeg")
        #expect(parts[1]["length"] as? Int == photoLength)
        let expected = try sha256(photo)
        #expect(parts[1]["sha256"] as? String == expected)
    }
}
