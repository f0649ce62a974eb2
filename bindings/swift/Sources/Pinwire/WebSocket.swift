import Foundation
internal import PinwireBindings

/// A WebSocket data message. Pings and pongs are answered and sent by `WebSocket` itself.
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message.
    case text(String)
    /// A binary message.
    case binary(Data)
}

/// A close code (1000 normal closure, 1001 going away, 3000 to 4999 the app's own) and a reason.
public struct WebSocketCloseFrame: Sendable, Hashable {
    /// The close code.
    public let code: UInt16
    /// The reason, possibly empty.
    public let reason: String

    /// A close frame with `code` and `reason`.
    public init(code: UInt16, reason: String) {
        self.code = code
        self.reason = reason
    }
}

/// What a WebSocket is opened with: a `wss://` URL (`ws://` only where the policy permits cleartext to the
/// host), extra headers for the upgrade request, subprotocols to offer, and the largest message accepted.
public struct WebSocketRequest: Sendable {
    /// The URL.
    public var url: URL
    /// Extra headers of the upgrade request (`Authorization`, ...), in order.
    public var headers: [(name: String, value: String)] = []
    /// Subprotocols to offer, in order of preference; the server picks at most one (`WebSocket.protocol`).
    public var protocols: [String] = []
    /// The largest message accepted, in bytes (default 16 MiB); a larger one fails the iteration.
    public var maxMessageSize: UInt64?

    /// A request for `url` with no extras.
    public init(url: URL) {
        self.url = url
    }

    func lowered() -> PinwireBindings.WebSocketRequest {
        PinwireBindings.WebSocketRequest(
            url: url.absoluteString,
            headers: headers.map { PinwireBindings.Header(name: $0.name, value: $0.value) },
            protocols: protocols,
            maxMessageSize: maxMessageSize)
    }
}

extension PinwireClient {
    /// Opens a WebSocket over this client's TLS set-up: the same pins, pin events and reports as its calls,
    /// and `PinwireError.pinMismatch` when the handshake fails them. Cancelling the calling task stops the
    /// connect (`PinwireError.cancelled`).
    public func webSocket(_ request: WebSocketRequest) async throws -> WebSocket {
        let lowered = request.lowered()
        let inner = self.inner
        let socket = try await callRustCancellable { token in
            try await inner.websocket(request: lowered, cancel: token)
        }
        return WebSocket(socket)
    }

    /// `webSocket(_:)` for `url` with no extra headers or subprotocols.
    public func webSocket(_ url: URL) async throws -> WebSocket {
        try await webSocket(WebSocketRequest(url: url))
    }
}

/// An open WebSocket, made by `PinwireClient.webSocket(_:)`. Iterate it (`for try await message in socket`)
/// for the messages, `send` to write, `close(code:reason:)` for a closing handshake, `cancel()` to drop the
/// connection at once. Cancelling the task that iterates (or waits in `receive()`) cancels the socket.
///
/// The iteration ends when the socket is closed by a closing handshake (`closeFrame` says how) or cancelled
/// with `cancel()`, and throws `PinwireError` when it ends any other way (a message over the size limit, a
/// connection that drops). Releasing the last reference also drops the connection.
public final class WebSocket: AsyncSequence, @unchecked Sendable {
    public typealias Element = WebSocketMessage

    let inner: PinwireBindings.WebSocket
    private let lock = NSLock()
    private var cancelledByApp = false

    init(_ inner: PinwireBindings.WebSocket) {
        self.inner = inner
    }

    /// The URL the socket was opened with.
    public var url: String { inner.url() }

    /// The subprotocol the server chose among those offered, or nil.
    public var `protocol`: String? { inner.subprotocol() }

    /// The close frame the server sent, once it has sent one.
    public var closeFrame: WebSocketCloseFrame? {
        inner.closeFrame().map { WebSocketCloseFrame(code: $0.code, reason: $0.reason) }
    }

    /// Whether the connection has ended (closed, failed or cancelled).
    public var isClosed: Bool { inner.isClosed() }

    /// The next message, or nil once the socket is closed by a closing handshake or cancelled with
    /// `cancel()`. Cancelling the waiting task cancels the socket and throws `PinwireError.cancelled`.
    public func receive() async throws -> WebSocketMessage? {
        let inner = self.inner
        do {
            let message = try await withTaskCancellationHandler {
                try await inner.receive()
            } onCancel: {
                inner.cancel()
            }
            return message.map(WebSocketMessage.init)
        } catch PinwireBindings.PinwireError.Cancelled where !Task.isCancelled && wasCancelledByApp {
            return nil
        } catch let error as PinwireBindings.PinwireError {
            throw PinwireError(error)
        }
    }

    /// Sends a text message; returns once it is written to the connection.
    public func send(_ text: String) async throws {
        try await callRustAsync { try await self.inner.send(message: .text(text: text)) }
    }

    /// Sends a binary message; returns once it is written to the connection.
    public func send(_ data: Data) async throws {
        try await callRustAsync { try await self.inner.send(message: .binary(data: data)) }
    }

    /// Sends a ping with `payload` (at most 125 bytes) and returns when the server's pong arrives; bound it
    /// with a timeout to detect a connection that went away silently.
    public func ping(_ payload: Data = Data()) async throws {
        try await callRustAsync { try await self.inner.ping(payload: payload) }
    }

    /// Closes with `code` and `reason` (at most 123 bytes): sends the close frame and waits for the server's
    /// answer (at most 10 s). Closing a closed socket does nothing; a code an endpoint may not send (1005,
    /// 1006, 1015, below 1000, ...) is `PinwireError.invalidConfig`.
    public func close(code: UInt16 = 1000, reason: String = "") async throws {
        try await callRustAsync { try await self.inner.close(code: code, reason: reason) }
    }

    /// Drops the connection at once, without a closing handshake: the iteration ends, other calls in flight
    /// throw `PinwireError.cancelled`.
    public func cancel() {
        lock.lock()
        cancelledByApp = true
        lock.unlock()
        inner.cancel()
    }

    private var wasCancelledByApp: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelledByApp
    }

    private func callRustAsync(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as PinwireBindings.PinwireError {
            throw PinwireError(error)
        }
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(socket: self)
    }

    /// Receives the socket's messages one by one.
    public struct Iterator: AsyncIteratorProtocol {
        let socket: WebSocket

        public mutating func next() async throws -> WebSocketMessage? {
            try await socket.receive()
        }
    }
}

extension WebSocketMessage {
    init(_ message: PinwireBindings.WebSocketMessage) {
        switch message {
        case let .text(text): self = .text(text)
        case let .binary(data): self = .binary(data)
        }
    }
}
