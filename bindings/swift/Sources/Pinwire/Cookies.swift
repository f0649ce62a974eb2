import Foundation
internal import PinwireBindings

/// A cookie as RFC 6265's storage model keeps it. The client builds these from `Set-Cookie` headers
/// (checked against the URL that sent them) and checks every one a `CookieStore` hands back against the
/// request's URL (domain, path, `secure`, expiry) before sending it.
public struct Cookie: Sendable, Hashable {
    public var name: String
    public var value: String
    /// The host that set it (when `hostOnly`), or the domain it applies to with its subdomains.
    public var domain: String
    /// Sent only to exactly `domain` (the `Set-Cookie` had no `Domain` attribute).
    public var hostOnly: Bool
    /// The path it applies to, with the paths below it.
    public var path: String
    /// Sent only over `https`.
    public var secure: Bool
    /// Not for scripts (kept for stores shared with a web view).
    public var httpOnly: Bool
    /// When it expires; nil for a session cookie. An expired cookie given to `save` deletes the stored one.
    public var expires: Date?

    public init(
        name: String, value: String, domain: String, hostOnly: Bool, path: String, secure: Bool = false,
        httpOnly: Bool = false, expires: Date? = nil
    ) {
        self.name = name
        self.value = value
        self.domain = domain
        self.hostOnly = hostOnly
        self.path = path
        self.secure = secure
        self.httpOnly = httpOnly
        self.expires = expires
    }
}

/// Where a client keeps its cookies (`Builder.cookieStore`): implement it to persist cookies or to share
/// them with `HTTPCookieStorage`. Called on Pinwire's threads during a call, off the thread that carries
/// the other calls: a slow store delays only its own call.
public protocol CookieStore: AnyObject, Sendable {
    /// Keeps the cookies a response from `url` set; each was already checked against `url`.
    func save(_ cookies: [Cookie], for url: URL)
    /// The cookies to send with a request to `url`; the client drops any that does not apply to it.
    func load(for url: URL) -> [Cookie]
}

final class CookieStoreAdapter: PinwireBindings.CookieStore, @unchecked Sendable {
    private let store: any CookieStore

    init(_ store: any CookieStore) {
        self.store = store
    }

    func save(url: String, cookies: [PinwireBindings.Cookie]) {
        guard let url = URL(string: url) else { return }
        store.save(cookies.map { Cookie($0) }, for: url)
    }

    func load(url: String) -> [PinwireBindings.Cookie] {
        guard let url = URL(string: url) else { return [] }
        return store.load(for: url).map { $0.lowered() }
    }
}

extension Cookie {
    init(_ cookie: PinwireBindings.Cookie) {
        self.init(
            name: cookie.name, value: cookie.value, domain: cookie.domain, hostOnly: cookie.hostOnly,
            path: cookie.path, secure: cookie.secure, httpOnly: cookie.httpOnly, expires: cookie.expires)
    }

    func lowered() -> PinwireBindings.Cookie {
        PinwireBindings.Cookie(
            name: name, value: value, domain: domain, hostOnly: hostOnly, path: path, secure: secure,
            httpOnly: httpOnly, expires: expires)
    }
}
