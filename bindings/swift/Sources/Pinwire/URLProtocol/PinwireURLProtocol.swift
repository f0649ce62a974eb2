import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `URLProtocol` that sends a `URLSession`'s `http` and `https` requests through a `PinwireClient`, so
/// code written against URLSession, or Alamofire, gets Pinwire's pinning by changing how its session is made:
///
/// ```swift
/// let session = URLSession(configuration: PinwireURLProtocol.configuration(client: pinwire))
/// let afSession = Alamofire.Session(configuration: PinwireURLProtocol.configuration(client: pinwire))
/// ```
///
/// - **Finding its client.** The system makes a new instance for every request, from the class alone, so
///   the client is bound to the class: `configuration(client:)` binds it and puts the class first in
///   `protocolClasses`. One client per class; for a second client, bind it to a subclass
///   (`final class PaymentsProtocol: PinwireURLProtocol {}`). A request that reaches a class with no
///   client fails; it never goes out unpinned.
/// - **Both schemes.** `http` is claimed as well as `https`, so a cleartext request (or a redirect to one)
///   meets Pinwire's cleartext policy instead of slipping through URLSession's own stack.
/// - **The body** is handed to the client chunk by chunk as it arrives.
/// - **Redirects**: the core does not follow them for this protocol; each one is reported through
///   `urlProtocol(_:wasRedirectedTo:redirectResponse:)`, so the session's delegate (or Alamofire's
///   `RedirectHandler`) decides, and URLSession sends the next hop through a new instance: a Pinwire call
///   of its own, with that host's pins and the cleartext check.
/// - **Cancelling** the task (`stopLoading`) stops the Rust call and closes its connection.
/// - **Errors** are `NSError`s in `NSURLErrorDomain` with the `PinwireError` and its fields in `userInfo`
///   (`UserInfoKey`).
///
/// With swift-corelibs-foundation (Linux), whose `URLSession` cannot take a redirect from a protocol and
/// hands a completion handler only the last chunk a protocol loaded, the core follows redirects itself
/// (the same per-hop checks, under the client's `maxRedirects`) and the body is handed over in one piece.
open class PinwireURLProtocol: URLProtocol {
    private let load = LoadState()

    // MARK: - Binding a client

    /// `base` with this class first in its `protocolClasses`, and `client` bound to this class: every
    /// session made with the configuration sends its `http` and `https` requests through `client`.
    /// `base` is copied, not changed (for Alamofire: `base: .af.default`).
    public class func configuration(
        client: PinwireClient, base: URLSessionConfiguration = .default
    ) -> URLSessionConfiguration {
        bind(client)
        let configuration = base.copy() as! URLSessionConfiguration
        let others = (base.protocolClasses ?? []).filter { ObjectIdentifier($0) != ObjectIdentifier(self) }
        configuration.protocolClasses = [self] + others
        return configuration
    }

    /// Binds `client` to this class, for configurations that list the class in `protocolClasses`
    /// themselves. Binding again replaces the client for every later request, in every session using
    /// the class.
    public class func bind(_ client: PinwireClient) {
        ClientRegistry.shared.bind(client, to: self)
    }

    /// The client bound to this class, if any.
    public class var boundClient: PinwireClient? {
        ClientRegistry.shared.client(for: self)
    }

    // MARK: - URLProtocol

    override open class func canInit(with request: URLRequest) -> Bool {
        guard let scheme = request.url?.scheme?.lowercased() else { return false }
        return scheme == "https" || scheme == "http"
    }

    override open class func canonicalRequest(for request: URLRequest) -> URLRequest {
        request
    }

    override open func startLoading() {
        guard let client else { return }
        let sink = ClientSink(urlProtocol: self, client: client, thread: .current, state: load)
        let request = self.request
        guard let pinwire = type(of: self).boundClient else {
            let error = PinwireError.invalidConfig(
                detail: "no PinwireClient is bound to \(type(of: self)): make the session's configuration with "
                    + "\(type(of: self)).configuration(client:), or call bind(_:)")
            sink.fail(error, url: request.url)
            return
        }
        let reportsRedirects = reportsRedirectsAndStreams
        let started = load.start {
            Task {
                await Self.run(request, on: pinwire, reportingRedirects: reportsRedirects, to: sink)
            }
        }
        if !started {
            // Loading again after stopLoading (swift-corelibs-foundation's suspend and resume): what was
            // delivered cannot be taken back, so the task ends here instead of receiving the body twice.
            client.urlProtocol(self, didFailWithError: PinwireError.cancelled.urlSessionError(url: request.url))
        }
    }

    override open func stopLoading() {
        load.stop()
    }

    /// Whether redirects go to the client and the body streams to it (see the type's documentation).
    private var reportsRedirectsAndStreams: Bool {
        #if canImport(FoundationNetworking)
        // swift-corelibs-foundation's URLSession makes every protocol with a task, and is then its client.
        task == nil
        #else
        true
        #endif
    }

    private static func run(
        _ request: URLRequest, on pinwire: PinwireClient, reportingRedirects: Bool, to sink: ClientSink
    ) async {
        do {
            var outgoing = try Request(request).followRedirects(!reportingRedirects)
            // URLSession decodes compressed bodies for its own loads, not for a protocol's: the encodings
            // are left for the core to ask for, so that what reaches the app is what the core decoded.
            outgoing.headers.removeAll { $0.name.caseInsensitiveCompare("Accept-Encoding") == .orderedSame }
            let response = try await pinwire.execute(outgoing)
            guard let head = response.httpURLResponse else {
                response.close()
                throw PinwireError.protocolError(
                    url: response.url.absoluteString, detail: "the response cannot be made an HTTPURLResponse")
            }
            if reportingRedirects, let next = RedirectRule.nextRequest(after: response, for: request) {
                response.close()
                sink.redirect(to: next, response: head)
                return
            }
            sink.receive(head)
            if reportingRedirects {
                for try await chunk in response.body {
                    sink.load(chunk)
                }
            } else {
                let data = try await response.data()
                if !data.isEmpty {
                    sink.load(data)
                }
            }
            sink.finish()
        } catch {
            sink.fail(error, url: request.url)
        }
    }
}
