import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A `URLProtocolClient` that records what a protocol tells it: the part Apple's URL loading system plays,
/// so that a protocol can be driven on Linux as iOS drives it (streamed body, reported redirects).
final class RecordingProtocolClient: NSObject, URLProtocolClient, @unchecked Sendable {
    enum Event {
        case response(HTTPURLResponse)
        case data(Data)
        case finished
        case failed(NSError)
        case redirected(URLRequest, HTTPURLResponse)
    }

    private let lock = NSLock()
    private var recorded: [Event] = []

    var events: [Event] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// The body bytes received so far.
    var body: Data {
        events.reduce(into: Data()) { body, event in
            if case .data(let chunk) = event { body.append(chunk) }
        }
    }

    var dataEvents: Int {
        events.filter { if case .data = $0 { return true } else { return false } }.count
    }

    /// Whether the protocol ended the load (finished, failed or redirected).
    var ended: Bool {
        events.contains {
            switch $0 {
            case .finished, .failed: return true
            default: return false
            }
        }
    }

    /// Waits until `condition` holds, for at most `seconds`; whether it did.
    func wait(seconds: Double = 20, until condition: (RecordingProtocolClient) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(self) { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return condition(self)
    }

    private func record(_ event: Event) {
        lock.lock()
        recorded.append(event)
        lock.unlock()
    }

    func urlProtocol(_ protocol: URLProtocol, wasRedirectedTo request: URLRequest, redirectResponse: URLResponse) {
        record(.redirected(request, redirectResponse as! HTTPURLResponse))
    }

    func urlProtocol(_ protocol: URLProtocol, cachedResponseIsValid cachedResponse: CachedURLResponse) {
        Issue.record("unexpected cachedResponseIsValid")
    }

    func urlProtocol(
        _ protocol: URLProtocol, didReceive response: URLResponse, cacheStoragePolicy policy: URLCache.StoragePolicy
    ) {
        record(.response(response as! HTTPURLResponse))
    }

    func urlProtocol(_ protocol: URLProtocol, didLoad data: Data) {
        record(.data(data))
    }

    func urlProtocolDidFinishLoading(_ protocol: URLProtocol) {
        record(.finished)
    }

    func urlProtocol(_ protocol: URLProtocol, didFailWithError error: Error) {
        record(.failed(error as NSError))
    }

    func urlProtocol(_ protocol: URLProtocol, didReceive challenge: URLAuthenticationChallenge) {
        Issue.record("unexpected authentication challenge")
    }

    func urlProtocol(_ protocol: URLProtocol, didCancel challenge: URLAuthenticationChallenge) {
        Issue.record("unexpected challenge cancellation")
    }
}
