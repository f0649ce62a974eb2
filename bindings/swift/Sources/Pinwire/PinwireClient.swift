import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
internal import PinwireBindings

/// An HTTPS client whose connections are validated by the platform's trust (or the roots you give) and then
/// checked against your pins. Build one with `PinwireClient.Builder` and share it: it is `Sendable`, pools
/// connections, and every call is independent.
///
/// ```swift
/// let client = try PinwireClient.Builder()
///     .add("api.example.com", "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=",
///                             "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=")
///     .build()
/// let text = try await client.get(URL(string: "https://api.example.com/v1/me")!).text()
/// ```
public final class PinwireClient: Sendable {
    let inner: PinwireBindings.PinwireClient
    let hub: PinEventHub

    init(_ builder: Builder) throws {
        _ = ignoreSIGPIPE
        let hub = PinEventHub(handlers: builder.handlers)
        let options = try builder.options()
        let updates = builder.updateHandlers.isEmpty ? nil : UpdateEventHub(handlers: builder.updateHandlers)
        let cookies = builder.cookieStore.map(CookieStoreAdapter.init)
        if let config = builder.config {
            inner = try callRust {
                try PinwireBindings.PinwireClient.fromConfig(
                    config: config.inner, options: options, listener: hub, updateListener: updates,
                    cookieStore: cookies)
            }
        } else {
            inner = try callRust {
                try PinwireBindings.PinwireClient(
                    options: options, listener: hub, updateListener: updates, cookieStore: cookies)
            }
        }
        self.hub = hub
    }

    deinit {
        hub.finish()
    }

    /// The version of the pin configuration in use: the shipped version until a signed update is applied.
    public var versionInUse: UInt64 { inner.versionInUse() }

    /// Applies a signed pin update the app got another way (push, remote config). On success it decides
    /// every new connection; otherwise the configuration in use stays and `UpdateError` says why.
    @discardableResult
    public func applyUpdate(_ document: Data) throws -> UpdateOutcome {
        try callRustUpdate { try UpdateOutcome(inner.applyUpdate(document: document)) }
    }

    /// Fetches the update document from the update URL now, over a connection pinned by the shipped pins,
    /// and applies it. Throws `UpdateError` saying why nothing was applied.
    @discardableResult
    public func checkForUpdate() async throws -> UpdateOutcome {
        do {
            return try await UpdateOutcome(inner.checkForUpdate())
        } catch let error as PinwireBindings.UpdateError {
            throw UpdateError(error)
        }
    }

    /// Sends a request; returns once the response headers have arrived. Cancelling the calling task stops
    /// the call and closes its connection (`PinwireError.cancelled`).
    public func execute(_ request: Request) async throws -> Response {
        let inner = self.inner
        let response = try await sending(request) { lowered in
            try await callRustCancellable { token in
                try await inner.execute(request: lowered, cancel: token)
            }
        }
        return Response(response, requestURL: request.url)
    }

    /// Sends a `URLRequest` (URL, method, headers and body; see `Request.init(_:)`).
    public func execute(_ request: URLRequest) async throws -> Response {
        try await execute(Request(request))
    }

    /// `GET url`.
    public func get(_ url: URL) async throws -> Response {
        try await execute(Request.get(url))
    }

    /// Like `URLSession.data(for:)`: the whole body and the response.
    public func data(for request: URLRequest) async throws -> (Data, Response) {
        let response = try await execute(request)
        return (try await response.data(), response)
    }

    /// Like `URLSession.data(from:)`: `GET url`, the whole body and the response.
    public func data(from url: URL) async throws -> (Data, Response) {
        let response = try await get(url)
        return (try await response.data(), response)
    }

    /// Every pin decision this client makes from now on, as an `AsyncStream`. Each call gives a new stream;
    /// it keeps the newest `bufferingNewest` events when its reader falls behind, and ends when the client is
    /// released.
    public func pinEvents(bufferingNewest limit: Int = 100) -> AsyncStream<PinEvent> {
        hub.subscribe(bufferingNewest: limit)
    }
}

#if os(Linux) || os(Android)
/// The Rust core writes to its TLS sockets with `writev` (tokio-rustls' vectored writes), which raises SIGPIPE
/// when the peer has already closed the connection, and SIGPIPE's default action ends the process. Rust
/// programs, the JVM and Apple platforms (whose sockets are made with SO_NOSIGPIPE) are not affected; a Swift
/// program on Linux is, so the first client sets SIGPIPE to ignored, unless the program has installed a handler
/// of its own (then it is left alone). Write errors still arrive, as EPIPE, and end the call with an error.
private let ignoreSIGPIPE: Void = {
    let previous = signal(SIGPIPE, SIG_IGN)
    // SIG_DFL is 0, SIG_IGN 1 (and SIG_ERR -1, a failure that changed nothing); anything else is a handler.
    let raw = unsafeBitCast(previous, to: Int.self)
    if raw != 0 && raw != 1 && raw != -1 {
        signal(SIGPIPE, previous)
    }
}()
#else
private let ignoreSIGPIPE: Void = ()
#endif
