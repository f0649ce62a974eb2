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

/// A request: method, absolute URL, headers in order, an optional body (`Data`, or a file, stream or sequence read
/// while it is sent: `RequestBody`).
public struct Request: Sendable, Hashable {
    /// `GET`, `POST`, ...
    public var method: String
    /// An absolute `https://` URL (`http://` only where the client permits cleartext).
    public var url: URL
    /// Headers, in order.
    public var headers: [Header]
    /// The body.
    public var body: RequestBody?
    /// A timeout for the whole call (body included), in seconds; overrides the client's call timeout.
    public var callTimeout: TimeInterval?
    /// Hears how much of the body has been sent.
    public var uploadProgress: UploadProgress?
    /// Whether the client follows redirects for this request (default true, up to the client's
    /// `maxRedirects`); false hands a redirect back as the response.
    public var followRedirects = true
    /// Decode (or not) this response's compressed body, whatever the client's setting; nil keeps it.
    public var decompress: Bool?

    public init(
        _ url: URL, method: String = "GET", headers: [Header] = [], body: Data? = nil,
        callTimeout: TimeInterval? = nil
    ) {
        self.init(url, method: method, headers: headers, body: body.map { RequestBody.data($0) }, callTimeout: callTimeout)
    }

    public init(
        _ url: URL, method: String = "GET", headers: [Header] = [], body: RequestBody?,
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

    /// A `POST` request with a body, e.g. `.post(url, body: try .file(videoURL, contentType: "video/mp4"))`.
    public static func post(_ url: URL, body: RequestBody) -> Request {
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
        body(RequestBody.data(data))
    }

    /// This request with `body` as its body.
    public func body(_ body: RequestBody) -> Request {
        var copy = self
        copy.body = body
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

    /// This request with an upload progress handler: `bytesSent` of `totalBytes` (nil when unknown). See
    /// `UploadProgress`.
    public func uploadProgress(
        _ handler: @escaping @Sendable (_ bytesSent: UInt64, _ totalBytes: UInt64?) -> Void
    ) -> Request {
        var copy = self
        copy.uploadProgress = UploadProgress(handler)
        return copy
    }

    /// This request, following redirects or not (`followRedirects`).
    public func followRedirects(_ follow: Bool) -> Request {
        var copy = self
        copy.followRedirects = follow
        return copy
    }

    /// A request from a `URLRequest`: its URL, method, headers and body (`httpBody`, or `httpBodyStream` read
    /// while it is sent, with the `Content-Length` header's length when there is one). `timeoutInterval`
    /// (URLSession's idle timeout) and the cache and cookie settings are not carried over: Pinwire's timeouts
    /// are the client's, or `callTimeout`.
    public init(_ request: URLRequest) throws {
        guard let url = request.url else {
            throw PinwireError.invalidURL(url: "", detail: "the URLRequest has no URL")
        }
        var headers: [Header] = []
        var length: UInt64?
        for (name, value) in (request.allHTTPHeaderFields ?? [:]).sorted(by: { $0.key < $1.key }) {
            headers.append(Header(name, value))
            if name.caseInsensitiveCompare("content-length") == .orderedSame { length = UInt64(value) }
        }
        var body = request.httpBody.map { RequestBody.data($0) }
        if body == nil, let stream = request.httpBodyStream {
            body = .inputStream(stream, contentLength: length)
        }
        self.init(url, method: request.httpMethod ?? "GET", headers: headers, body: body)
    }

    /// This request in its FFI form: a body in memory goes as bytes, a streamed one through `writer`. The body's
    /// content type is sent when the request has no `content-type` header of its own.
    func lowered(writer: PinwireBindings.BodyWriter?) throws -> HttpRequest {
        var headers = headers.map { PinwireBindings.Header(name: $0.name, value: $0.value) }
        let hasContentType = headers.contains { $0.name.caseInsensitiveCompare("content-type") == .orderedSame }
        if let contentType = body?.contentType, !hasContentType {
            headers.append(PinwireBindings.Header(name: "content-type", value: contentType))
        }
        var data: Data?
        if writer == nil, case .data(let bytes) = body?.content {
            data = bytes
        }
        return HttpRequest(
            method: method,
            url: url.absoluteString,
            headers: headers,
            body: data,
            bodyWriter: writer,
            callTimeout: try callTimeout.map { try checkedTimeout($0, "callTimeout") },
            followRedirects: followRedirects,
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
