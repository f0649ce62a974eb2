import Foundation
internal import PinwireBindings

/// A `multipart/form-data` body (an HTML form with files), like OkHttp's `MultipartBody`:
///
/// ```swift
/// let form = try MultipartBody.Builder()
///     .addFormDataPart(name: "title", value: "Holidays")
///     .addFormDataPart(name: "photo", filename: "beach.jpg", body: .file(photoURL, contentType: "image/jpeg"))
///     .build()
/// let response = try await client.execute(.post(url, body: form.body))
/// ```
///
/// The encoding (boundary, part headers, the quoting of names) is the Rust core's, the same for every platform;
/// the parts are read as they are sent, so a form with a large file streams too. The boundary is random. The
/// length is known when every part's is (then `Content-Length` is sent).
public struct MultipartBody: Sendable {
    /// One part: a form field `name`, for a file its `filename`, and its `body` (whose content type it carries).
    public struct Part: Sendable {
        public let name: String
        public let filename: String?
        public let body: RequestBody
    }

    /// The parts, in order.
    public let parts: [Part]
    /// The boundary between the parts (random).
    public let boundary: String
    /// The form as a request body (`multipart/form-data; boundary=...` is its content type).
    public let body: RequestBody

    /// Builds a `MultipartBody`.
    public struct Builder: Sendable {
        private var parts: [Part] = []

        public init() {}

        /// A text field.
        public func addFormDataPart(name: String, value: String) -> Builder {
            addFormDataPart(name: name, filename: nil, body: .data(Data(value.utf8)))
        }

        /// A field with a body: a file upload when `filename` is given, e.g. `.file(url, contentType: "image/png")`.
        public func addFormDataPart(name: String, filename: String?, body: RequestBody) -> Builder {
            var copy = self
            copy.parts.append(Part(name: name, filename: filename, body: body))
            return copy
        }

        /// The body; throws `PinwireError.invalidConfig` for a part content type that is no valid header value.
        public func build() throws -> MultipartBody {
            let parts = self.parts
            let framing = try callRust {
                try multipartFraming(
                    parts: parts.map {
                        MultipartPart(
                            name: $0.name, filename: $0.filename, contentType: $0.body.contentType,
                            length: $0.body.contentLength)
                    })
            }
            let heads = framing.heads
            let tail = framing.tail
            let body = RequestBody.writer(contentLength: framing.contentLength, contentType: framing.contentType) {
                sink in
                for (head, part) in zip(heads, parts) {
                    try await sink.write(head)
                    try await part.body.write(to: sink)
                }
                try await sink.write(tail)
            }
            return MultipartBody(parts: parts, boundary: framing.boundary, body: body)
        }
    }
}
