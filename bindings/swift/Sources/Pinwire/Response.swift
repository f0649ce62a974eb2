import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
internal import PinwireBindings

/// A response, handed back once its headers have arrived; the body is read on demand, once: as `Data`
/// (`data()`), as text (`text()`), or chunk by chunk (`for try await chunk in response.body`), which keeps
/// only one chunk in memory.
///
/// Cancelling the task that reads the body stops the read and closes the connection.
public final class Response: Sendable {
    /// The status code.
    public let status: Int
    /// `HTTP/1.1` or `HTTP/2.0`.
    public let version: String
    /// The final URL, after redirects.
    public let url: URL
    /// The headers, in the order received.
    public let headers: [Header]

    let bodyState: BodyState

    init(_ inner: HttpResponse, requestURL: URL) {
        status = Int(inner.status)
        version = inner.version
        url = URL(string: inner.url) ?? requestURL
        headers = inner.headers.map { Header($0.name, $0.value) }
        bodyState = BodyState(start: inner.bodyStart, reader: inner.body)
    }

    /// The first value of a header (names compare case-insensitively), or nil.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of a header, in order.
    public func headers(named name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// Whether the status is 2xx.
    public var isSuccessful: Bool { (200..<300).contains(status) }

    /// The rest of the body.
    public func data() async throws -> Data {
        let head = try bodyState.takeStart() ?? Data()
        guard let reader = bodyState.reader else { return head }
        let tail = try await callRustCancellable { token in try await reader.bytes(cancel: token) }
        return head.isEmpty ? tail : head + tail
    }

    /// The rest of the body as UTF-8 text (invalid sequences replaced).
    public func text() async throws -> String {
        String(decoding: try await data(), as: UTF8.self)
    }

    /// The body as an `AsyncSequence` of chunks, read as they arrive.
    public var body: ResponseBody { ResponseBody(response: self) }

    /// Discards the rest of the body and releases the connection; reading afterwards fails with
    /// `PinwireError.closed`.
    public func close() {
        bodyState.close()
    }

    /// The status and headers as an `HTTPURLResponse`, for code written against URLSession.
    public var httpURLResponse: HTTPURLResponse? {
        var fields: [String: String] = [:]
        for header in headers {
            // HTTPURLResponse holds one value per name: repeated headers are joined with ", " (RFC 9110).
            fields[header.name] = fields[header.name].map { "\($0), \(header.value)" } ?? header.value
        }
        return HTTPURLResponse(url: url, statusCode: status, httpVersion: version, headerFields: fields)
    }
}

/// A response body as chunks of `Data`, in order. Iterate it once.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = Data

    let response: Response

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(response: response)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let response: Response
        /// Chunks taken in a row without suspending: after `maxReadyInARow`, a read awaits even if bytes are
        /// there, so that a body that keeps arriving does not hold a thread of the cooperative pool.
        var readyInARow = 0
        static let maxReadyInARow = 16

        /// The next chunk (never empty), or nil at the end of the body.
        public mutating func next() async throws -> Data? {
            // Before anything else: a cancelled read says so, even if the body was closed meanwhile (as the
            // Rust side decides when both come while it waits).
            if Task.isCancelled {
                throw PinwireError.cancelled
            }
            let state = response.bodyState
            if let start = try state.takeStart() {
                return start
            }
            guard let reader = state.reader else { return nil }
            // The body is read ahead on the Rust runtime: what has already arrived is taken on this thread, and
            // only a wait for more is an async call, resumed by the runtime's thread that gets the next bytes.
            // Never empty: the core skips empty HTTP/2 DATA frames.
            if readyInARow < Self.maxReadyInARow {
                switch try callRust({ try reader.readyChunk() }) {
                case .data(let bytes):
                    readyInARow += 1
                    return bytes
                case .end:
                    return nil
                case .wouldBlock:
                    break
                }
            }
            readyInARow = 0
            return try await callRustCancellable { token in try await reader.chunk(cancel: token) }
        }
    }
}

/// What of a body came with the headers, the reader of the rest (nil when the start was all of it),
/// and whether the app closed it.
final class BodyState: @unchecked Sendable {
    // Guards `start` and `closed`; `reader` never changes.
    private let lock = NSLock()
    private var start: Data?
    private var closed = false
    let reader: BodyReader?

    init(start: Data, reader: BodyReader?) {
        self.start = start.isEmpty ? nil : start
        self.reader = reader
    }

    /// The start of the body the first time (nil when there was none), then nil; throws once closed.
    func takeStart() throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        if closed {
            throw PinwireError.closed(what: "response body")
        }
        let taken = start
        start = nil
        return taken
    }

    func close() {
        lock.lock()
        let first = !closed
        closed = true
        start = nil
        lock.unlock()
        if first {
            reader?.discard()
        }
    }
}
