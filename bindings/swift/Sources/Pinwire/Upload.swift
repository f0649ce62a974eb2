import Foundation
internal import PinwireBindings

/// Holds the failure of a body's source, set by the upload task and read by the call.
private final class SourceFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?

    func set(_ error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        self.error = error
    }

    func get() -> (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}

/// Runs `send` with `request` in its FFI form; a streamed body is written by a task of its own meanwhile. That
/// task stops when the body is written, when the request stops reading it (the Rust side refuses further
/// writes), or when `send` fails or is cancelled. A body whose source failed fails the call with the source's
/// own error.
func sending<T: Sendable>(_ request: Request, _ send: (HttpRequest) async throws -> T) async throws -> T {
    guard let body = request.body, case .streamed = body.content else {
        if request.uploadProgress == nil || request.body == nil {
            return try await send(try request.lowered(writer: nil))
        }
        return try await streaming(request, request.body!, send)
    }
    return try await streaming(request, body, send)
}

private func streaming<T: Sendable>(
    _ request: Request, _ body: RequestBody, _ send: (HttpRequest) async throws -> T
) async throws -> T {
    let writer = PinwireBindings.BodyWriter(
        contentLength: body.contentLength, progress: request.uploadProgress.map(UploadProgressAdapter.init))
    let lowered = try request.lowered(writer: writer)
    let failure = SourceFailure()
    let pump = Task.detached {
        let sink = BodySink(writer)
        do {
            try await body.write(to: sink)
            try sink.finish()
        } catch PinwireError.closed {
            // The request stopped reading the body (it ended, failed or was cancelled): nothing to add.
        } catch is CancellationError {
            writer.abort(reason: "the upload was cancelled")
        } catch {
            failure.set(error)
            writer.abort(reason: String(describing: error))
        }
    }
    do {
        return try await send(lowered)
    } catch {
        pump.cancel()
        if let source = failure.get(), !(error is CancellationError), error as? PinwireError != .cancelled {
            throw source
        }
        throw error
    }
}
