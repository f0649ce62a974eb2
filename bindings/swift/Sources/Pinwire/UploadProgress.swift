import Foundation
internal import PinwireBindings

/// Hears how much of a request body has been sent: set with `Request.uploadProgress(_:)`.
///
/// The handler is called on a Pinwire thread after each piece the connection takes (tens to hundreds of KiB),
/// in order, the last time with the whole body: `bytesSent` of `totalBytes` (nil when the length is unknown).
/// Keep it short (hop to the main actor for UI), the upload waits for it.
public struct UploadProgress: Sendable, Hashable {
    let id = UUID()
    let handler: @Sendable (_ bytesSent: UInt64, _ totalBytes: UInt64?) -> Void

    /// A progress handler.
    public init(_ handler: @escaping @Sendable (_ bytesSent: UInt64, _ totalBytes: UInt64?) -> Void) {
        self.handler = handler
    }

    public static func == (a: UploadProgress, b: UploadProgress) -> Bool { a.id == b.id }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

final class UploadProgressAdapter: PinwireBindings.UploadProgressListener, @unchecked Sendable {
    private let progress: UploadProgress

    init(_ progress: UploadProgress) {
        self.progress = progress
    }

    func onProgress(bytesSent: UInt64, totalBytes: UInt64?) {
        progress.handler(bytesSent, totalBytes)
    }
}
