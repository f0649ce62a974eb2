import Foundation

/// A request body: `Data`, or a source read while the request is sent (a file `URL`, an `InputStream`, an
/// `AsyncSequence` of `Data`, or code that writes to a `BodySink`), so an upload of any size never sits in
/// memory whole.
///
/// A body of known length is sent with `Content-Length`; one of unknown length chunked (HTTP/1.1) or as plain
/// DATA frames (HTTP/2). Pinwire reads a streamed body once per request, in a task of its own, as the
/// connection takes it: a slow network slows the reading, it never fills memory. Such a body is not re-sent by
/// a redirect that needs it (307, 308): that redirect comes back as the response.
public struct RequestBody: Sendable, Hashable {
    /// The `content-type` sent with the body (unless the request has a `content-type` header), or nil.
    public let contentType: String?
    /// The length in bytes, or nil when unknown. A body that writes another length fails its request.
    public let contentLength: UInt64?
    let content: Content

    enum Content: Sendable, Hashable {
        case data(Data)
        case streamed(Writer)
    }

    /// The code that writes a streamed body; two bodies are equal when they are the same body.
    final class Writer: Sendable, Hashable {
        let write: @Sendable (BodySink) async throws -> Void

        init(_ write: @escaping @Sendable (BodySink) async throws -> Void) {
            self.write = write
        }

        static func == (a: Writer, b: Writer) -> Bool { a === b }

        func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
    }

    init(contentType: String?, contentLength: UInt64?, content: Content) {
        self.contentType = contentType
        self.contentLength = contentLength
        self.content = content
    }

    /// `data`, in memory.
    public static func data(_ data: Data, contentType: String? = nil) -> RequestBody {
        RequestBody(contentType: contentType, contentLength: UInt64(data.count), content: .data(data))
    }

    /// `text` as UTF-8.
    public static func text(_ text: String, contentType: String? = "text/plain; charset=utf-8") -> RequestBody {
        .data(Data(text.utf8), contentType: contentType)
    }

    /// The contents of the file at `url`, read while they are sent (its size is taken now).
    public static func file(_ url: URL, contentType: String? = nil) throws -> RequestBody {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes[.size] as? NSNumber)?.uint64Value
        return .writer(contentLength: size, contentType: contentType) { sink in
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while true {
                try Task.checkCancellation()
                guard let chunk = try handle.read(upToCount: uploadPiece), !chunk.isEmpty else { return }
                try await sink.write(chunk)
            }
        }
    }

    /// What `stream` yields until its end (it is opened, then closed afterwards): `contentLength` bytes, or
    /// nil when unknown. It can be sent once.
    public static func inputStream(
        _ stream: InputStream, contentLength: UInt64? = nil, contentType: String? = nil
    ) -> RequestBody {
        let box = StreamBox(stream)
        return .writer(contentLength: contentLength, contentType: contentType) { sink in
            try await box.copy(to: sink)
        }
    }

    /// The chunks `sequence` yields, read while they are sent: `contentLength` bytes, or nil when unknown.
    public static func sequence<S>(
        _ sequence: S, contentLength: UInt64? = nil, contentType: String? = nil
    ) -> RequestBody where S: AsyncSequence & Sendable, S.Element == Data {
        .writer(contentLength: contentLength, contentType: contentType) { sink in
            for try await chunk in sequence {
                try await sink.write(chunk)
            }
        }
    }

    /// A body your code writes while it is sent, to the `BodySink` it is given: `contentLength` bytes, or nil
    /// when unknown. Throwing fails the request with that error.
    public static func writer(
        contentLength: UInt64? = nil, contentType: String? = nil,
        _ write: @escaping @Sendable (BodySink) async throws -> Void
    ) -> RequestBody {
        RequestBody(contentType: contentType, contentLength: contentLength, content: .streamed(Writer(write)))
    }

    /// Writes the whole body to `sink`.
    func write(to sink: BodySink) async throws {
        switch content {
        case .data(let data):
            var offset = data.startIndex
            while offset < data.endIndex {
                let end = min(offset + uploadPiece, data.endIndex)
                try await sink.write(data[offset..<end])
                offset = end
            }
        case .streamed(let writer):
            try await writer.write(sink)
        }
    }
}

/// The size of the pieces a file or stream is read and handed to the Rust side in.
let uploadPiece = 256 * 1024

/// An `InputStream` (not `Sendable`) used by one upload task at a time.
final class StreamBox: @unchecked Sendable {
    private let stream: InputStream

    init(_ stream: InputStream) {
        self.stream = stream
    }

    func copy(to sink: BodySink) async throws {
        stream.open()
        defer { stream.close() }
        var buffer = [UInt8](repeating: 0, count: uploadPiece)
        while true {
            try Task.checkCancellation()
            let n = stream.read(&buffer, maxLength: buffer.count)
            if n < 0 {
                throw stream.streamError ?? PinwireError.invalidConfig(detail: "the request body's InputStream failed")
            }
            if n == 0 { return }
            try await sink.write(Data(buffer[0..<n]))
        }
    }
}
