import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
internal import PinwireBindings

/// An HTTP header.
public struct Header: Sendable, Hashable {
    /// Its name.
    public var name: String
    /// Its value.
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request: method, absolute URL, headers in order, an optional body.
public struct Request: Sendable, Hashable {
    /// `GET`, `POST`, ...
    public var method: String
    /// An absolute `https://` URL (`http://` only where the client permits cleartext).
    public var url: URL
    /// Headers, in order.
    public var headers: [Header]
    /// The body.
    public var body: Data?
    /// A timeout for the whole call (body included), in seconds; overrides the client's call timeout.
    public var callTimeout: TimeInterval?
    /// Decode (or not) this response's compressed body, whatever the client's setting; nil keeps it.
    public var decompress: Bool?

    public init(
        _ url: URL, method: String = "GET", headers: [Header] = [], body: Data? = nil,
        callTimeout: TimeInterval? = nil
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.callTimeout = callTimeout
    }

    /// A `GET` request.
    public static func get(_ url: URL) -> Request {
        Request(url)
    }

    /// A `POST` request with a body.
    public static func post(_ url: URL, body: Data) -> Request {
        Request(url, method: "POST", body: body)
    }

    /// A `POST` request with a UTF-8 text body.
    public static func post(_ url: URL, body: String) -> Request {
        Request(url, method: "POST", body: Data(body.utf8))
    }

    /// This request with one more header.
    public func header(_ name: String, _ value: String) -> Request {
        var copy = self
        copy.headers.append(Header(name, value))
        return copy
    }

    /// This request with `data` as its body.
    public func body(_ data: Data) -> Request {
        var copy = self
        copy.body = data
        return copy
    }

    /// This request with UTF-8 `text` as its body.
    public func body(_ text: String) -> Request {
        body(Data(text.utf8))
    }

    /// This request with the client's `decompress` setting overridden.
    public func decompress(_ enabled: Bool) -> Request {
        var copy = self
        copy.decompress = enabled
        return copy
    }

    /// This request with a call timeout (seconds).
    public func callTimeout(_ seconds: TimeInterval) -> Request {
        var copy = self
        copy.callTimeout = seconds
        return copy
    }

    /// A request from a `URLRequest`: its URL, method, headers and body (`httpBody`, or `httpBodyStream`
    /// read to its end). `timeoutInterval` (URLSession's idle timeout) and the cache and cookie settings are
    /// not carried over: Pinwire's timeouts are the client's, or `callTimeout`.
    public init(_ request: URLRequest) throws {
        guard let url = request.url else {
            throw PinwireError.invalidURL(url: "", detail: "the URLRequest has no URL")
        }
        var headers: [Header] = []
        for (name, value) in (request.allHTTPHeaderFields ?? [:]).sorted(by: { $0.key < $1.key }) {
            headers.append(Header(name, value))
        }
        var body = request.httpBody
        if body == nil, let stream = request.httpBodyStream {
            body = try Self.readAll(stream)
        }
        self.init(url, method: request.httpMethod ?? "GET", headers: headers, body: body)
    }

    private static func readAll(_ stream: InputStream) throws -> Data {
        stream.open()
        defer { stream.close() }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = stream.read(&buffer, maxLength: buffer.count)
            if n < 0 {
                throw PinwireError.invalidConfig(
                    detail: "reading the URLRequest's httpBodyStream: \(String(describing: stream.streamError))")
            }
            if n == 0 { return data }
            data.append(buffer, count: n)
        }
    }

    func lowered() throws -> HttpRequest {
        HttpRequest(
            method: method,
            url: url.absoluteString,
            headers: headers.map { PinwireBindings.Header(name: $0.name, value: $0.value) },
            body: body,
            callTimeout: try callTimeout.map { try checkedTimeout($0, "callTimeout") },
            decompress: decompress
        )
    }
}

/// A timeout for the FFI (UniFFI carries `TimeInterval` as a Rust `Duration`); negative, NaN or infinite values
/// are configuration errors, not a trap in the conversion.
func checkedTimeout(_ seconds: TimeInterval, _ what: String) throws -> TimeInterval {
    guard seconds.isFinite, seconds >= 0, seconds < Double(UInt64.max) / 1000 else {
        throw PinwireError.invalidConfig(detail: "\(what) must be a finite number of seconds >= 0, not \(seconds)")
    }
    return seconds
}
