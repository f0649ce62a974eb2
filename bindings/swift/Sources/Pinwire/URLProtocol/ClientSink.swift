import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One load's state: its task, and whether `stopLoading` was called or the load has ended. Every call to the
/// client is made holding the lock, so once `stop()` returns nothing more reaches the client (the system
/// may already have ended the task, and swift-corelibs-foundation stops the process on a call for a task
/// it no longer knows). The lock is recursive: a client may call `stopLoading` from inside a callback.
final class LoadState: @unchecked Sendable {
    private let lock = NSRecursiveLock()
    private var task: Task<Void, Never>?
    private var started = false
    private var stopped = false
    private var ended = false

    /// Starts the load with `makeTask` unless it was started before; whether it started.
    func start(_ makeTask: () -> Task<Void, Never>) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { return false }
        started = true
        task = makeTask()
        return true
    }

    /// Stops the load: no more calls to the client, and the Rust call is cancelled.
    func stop() {
        lock.lock()
        stopped = true
        started = true
        let running = task
        task = nil
        lock.unlock()
        running?.cancel()
    }

    /// Runs `call` unless the load was stopped or has ended; `ending` marks the last call of a load.
    func deliver(ending: Bool, _ call: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped, !ended else { return }
        if ending {
            ended = true
        }
        call()
    }
}

/// The calls a load makes to its `URLProtocolClient`, on the client's thread, through `LoadState`.
struct ClientSink: @unchecked Sendable {
    let urlProtocol: URLProtocol
    let client: URLProtocolClient
    let thread: ClientThread
    let state: LoadState

    func receive(_ response: URLResponse) {
        send(ending: false) { $0.urlProtocol(urlProtocol, didReceive: response, cacheStoragePolicy: .notAllowed) }
    }

    func load(_ data: Data) {
        send(ending: false) { $0.urlProtocol(urlProtocol, didLoad: data) }
    }

    func finish() {
        send(ending: true) { $0.urlProtocolDidFinishLoading(urlProtocol) }
    }

    func redirect(to request: URLRequest, response: URLResponse) {
        send(ending: true) {
            $0.urlProtocol(urlProtocol, wasRedirectedTo: request, redirectResponse: response)
            // The system loads the new request with a new protocol instance; this load is over. Ending it
            // with the user-cancelled error is what Apple's CustomHTTPProtocol sample does after a redirect.
            $0.urlProtocol(
                urlProtocol,
                didFailWithError: NSError(domain: NSCocoaErrorDomain, code: CocoaError.Code.userCancelled.rawValue))
        }
    }

    func fail(_ error: Error, url: URL?) {
        let error = PinwireURLProtocol.urlSessionError(for: error, url: url)
        send(ending: true) { $0.urlProtocol(urlProtocol, didFailWithError: error) }
    }

    private func send(ending: Bool, _ call: @escaping (URLProtocolClient) -> Void) {
        let client = self.client
        let state = self.state
        thread.run {
            state.deliver(ending: ending) { call(client) }
        }
    }
}
