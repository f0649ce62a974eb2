import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The request a redirect leads to, as `PinwireURLProtocol` proposes it to URLSession (whose delegate may
/// change or refuse it): the rules of RFC 9110 section 15.4 as browsers and URLSession apply them.
enum RedirectRule {
    /// The next request after `response` to `original`, or nil when `response` is no redirect to follow:
    /// not 301, 302, 303, 307 or 308, no usable `Location`, or a 307/308 that would have to send a
    /// streamed body again (it was read once; the redirect response is then the response).
    static func nextRequest(after response: Response, for original: URLRequest) -> URLRequest? {
        guard [301, 302, 303, 307, 308].contains(response.status),
            let location = response.header("location"),
            let target = URL(string: location, relativeTo: response.url)?.absoluteURL,
            target.host != nil
        else {
            return nil
        }
        var next = original
        next.url = target
        let method = (original.httpMethod ?? "GET").uppercased()
        // 303 asks for a GET; 301 and 302 turn a POST into a GET too, as every client does.
        if (response.status == 303 && method != "HEAD") || ([301, 302].contains(response.status) && method == "POST") {
            next.httpMethod = "GET"
            next.httpBody = nil
            next.httpBodyStream = nil
            for name in ["Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding"] {
                next.setValue(nil, forHTTPHeaderField: name)
            }
        } else if original.httpBodyStream != nil && original.httpBody == nil {
            return nil
        }
        if !sameOrigin(original.url, target) {
            // Credentials meant for one origin are not handed to another (reqwest does the same when the
            // core follows).
            for name in ["Authorization", "Proxy-Authorization", "Cookie"] {
                next.setValue(nil, forHTTPHeaderField: name)
            }
        }
        return next
    }

    private static func sameOrigin(_ a: URL?, _ b: URL) -> Bool {
        guard let a else { return false }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased()
            && effectivePort(a) == effectivePort(b)
    }

    private static func effectivePort(_ url: URL) -> Int? {
        url.port ?? (url.scheme?.lowercased() == "http" ? 80 : url.scheme?.lowercased() == "https" ? 443 : nil)
    }
}
