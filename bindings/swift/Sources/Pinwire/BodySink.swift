import Foundation
internal import PinwireBindings

/// Where a streamed `RequestBody` writes itself while the request is sent. A write hands the bytes to the Rust
/// side and waits while the connection is not ready for more, so memory stays bounded whatever the body's size.
/// One write at a time.
///
/// A write throws `PinwireError.closed` once the request no longer reads the body (it ended, failed or was
/// cancelled): stop writing then.
public final class BodySink: Sendable {
    let writer: PinwireBindings.BodyWriter

    init(_ writer: PinwireBindings.BodyWriter) {
        self.writer = writer
    }

    /// The bytes written so far.
    public var bytesWritten: UInt64 { writer.written() }

    /// Writes `data`.
    public func write(_ data: Data) async throws {
        guard !data.isEmpty else { return }
        do {
            try await writer.write(chunk: data)
        } catch let error as PinwireBindings.PinwireError {
            throw PinwireError(error)
        }
    }

    /// Ends the body.
    func finish() throws {
        try callRust { try writer.finish() }
    }
}
