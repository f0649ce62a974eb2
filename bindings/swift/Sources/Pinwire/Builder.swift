import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
internal import PinwireBindings

/// One pin rule: a host pattern and the pins its hosts' validated chains must contain.
public struct PinRule: Sendable, Hashable {
    /// `example.com`, `*.example.com` (one more label) or `**.example.com` (any number, none included).
    public var pattern: String
    /// `sha256/<base64 SHA-256 of the SubjectPublicKeyInfo>` pins, at least two (a backup); empty exempts the
    /// pattern's hosts from a broader rule.
    public var pins: [String]
    /// Also pin every subdomain of `pattern`.
    public var includeSubdomains: Bool
    /// Report mismatches (to the listeners) instead of failing the connection.
    public var reportOnly: Bool
    /// From this instant the pins are not enforced (ordinary validation only), so an app that is never
    /// updated is not locked out.
    public var expiration: Date?
    /// Allow (`true`) or refuse (`false`) `http://` for these hosts; nil: the client's default.
    public var cleartextPermitted: Bool?

    public init(
        _ pattern: String, pins: [String], includeSubdomains: Bool = false, reportOnly: Bool = false,
        expiration: Date? = nil, cleartextPermitted: Bool? = nil
    ) {
        self.pattern = pattern
        self.pins = pins
        self.includeSubdomains = includeSubdomains
        self.reportOnly = reportOnly
        self.expiration = expiration
        self.cleartextPermitted = cleartextPermitted
    }

    func lowered() -> PinwireBindings.PinRule {
        PinwireBindings.PinRule(
            pattern: pattern,
            pins: pins,
            includeSubdomains: includeSubdomains,
            reportOnly: reportOnly,
            expiration: expiration,
            cleartextPermitted: cleartextPermitted
        )
    }
}

extension PinwireClient {
    /// Builds a `PinwireClient`, in the vocabulary of OkHttp's `CertificatePinner.Builder` (and Pinwire's
    /// Kotlin builder). A value type: every method returns a modified copy.
    public struct Builder: Sendable {
        var rules: [PinRule] = []
        var trustedRootsPem: [String] = []
        var includePlatformTrust: Bool?
        var connectTimeout: TimeInterval?
        var readTimeout: TimeInterval?
        var callTimeout: TimeInterval?
        var maxRedirects = 10
        var proxy: String?
        var http1Only = false
        var resolve: [(host: String, address: String)] = []
        var userAgent: String?
        var cleartextPermittedByDefault = false
        var allowSinglePin = false
        var handlers: [@Sendable (PinEvent) -> Void] = []
        var config: PinConfig?
        var reporting: ReportingOptions?
        var updates: UpdateOptions?
        var updateHandlers: [@Sendable (UpdateEvent) -> Void] = []
        var decompress = true
        var maxDecodedRatio: UInt64 = 1024
        var maxDecodedSize: UInt64?
        var memoryCookies = false
        var cookieStore: (any CookieStore)?

        public init() {}

        /// Decodes gzip, brotli and zstd response bodies, sending `Accept-Encoding` (default on; a request's
        /// `decompress` overrides it). A decoded response has no `Content-Encoding` or `Content-Length`
        /// header, as with URLSession. A request that sets its own `Accept-Encoding` gets the body as sent.
        public func decompress(_ enabled: Bool = true) -> Builder {
            var copy = self
            copy.decompress = enabled
            return copy
        }

        /// The decompression-bomb bound: a decoded body may hold `ratio` bytes per compressed byte received,
        /// plus 1 MiB (default 1024), and at most `maxSize` bytes if given (default no cap). Beyond it,
        /// reading the body throws `PinwireError.decodedBodyTooLarge`.
        public func maxDecodedSize(ratio: UInt64 = 1024, maxSize: UInt64? = nil) -> Builder {
            var copy = self
            copy.maxDecodedRatio = max(ratio, 1)
            copy.maxDecodedSize = maxSize
            return copy
        }

        /// Keeps cookies in memory for the client's life, sent back by RFC 6265's rules (default: none).
        public func cookies() -> Builder {
            var copy = self
            copy.memoryCookies = true
            return copy
        }

        /// Keeps cookies in `store` (persisted, or shared with `HTTPCookieStorage`), sent back by RFC 6265's
        /// rules.
        public func cookieStore(_ store: some CookieStore) -> Builder {
            var copy = self
            copy.cookieStore = store
            return copy
        }

        /// Takes signed pin updates (see `UpdateOptions`). The pins given to this builder (or its `config`) are
        /// the shipped ones: the floor the client falls back to whenever no valid update is at hand.
        public func updates(_ updates: UpdateOptions) -> Builder {
            var copy = self
            copy.updates = updates
            return copy
        }

        /// Calls `handler` with every update outcome (on the thread that applied it: return quickly). Needs
        /// `updates`.
        public func onUpdateEvent(_ handler: @escaping @Sendable (UpdateEvent) -> Void) -> Builder {
            var copy = self
            copy.updateHandlers.append(handler)
            return copy
        }

        /// Takes the pins, trust anchors and cleartext rules from a configuration file (Pinwire JSON or a
        /// TrustKit dictionary) instead of `add`, `trustedRoots`, `includePlatformTrust`,
        /// `cleartextPermittedByDefault` and `dangerousAllowSinglePin`, which must then not be used.
        public func config(_ config: PinConfig) -> Builder {
            var copy = self
            copy.config = config
            return copy
        }

        /// Pins `pattern` to `pins` (`sha256/...`). Calling it again for the same pattern adds pins; the first
        /// call's options stay (the Rust core merges, as for Kotlin and Rust callers).
        public func add(_ pattern: String, _ pins: String...) -> Builder {
            add(pattern, pins: pins)
        }

        /// Pins `pattern` to `pins`, with the rule's options. Calling it again for the same pattern adds pins;
        /// the first call's options stay.
        public func add(
            _ pattern: String, pins: [String], includeSubdomains: Bool = false, reportOnly: Bool = false,
            expiration: Date? = nil, cleartextPermitted: Bool? = nil
        ) -> Builder {
            add(
                PinRule(
                    pattern, pins: pins, includeSubdomains: includeSubdomains, reportOnly: reportOnly,
                    expiration: expiration, cleartextPermitted: cleartextPermitted))
        }

        /// Adds a rule. A rule for a pattern already added merges into it: the pins are added, the first rule's
        /// options stay.
        public func add(_ rule: PinRule) -> Builder {
            var copy = self
            copy.rules.append(rule)
            return copy
        }

        /// Turns pinning off for the hosts of `pattern` under a broader rule (a rule with no pins).
        public func exempt(_ pattern: String) -> Builder {
            add(pattern, pins: [])
        }

        /// Trusts these PEM root certificates (app-bundled CAs, or a self-signed server certificate). With
        /// roots, the platform's trust is used too unless `includePlatformTrust(false)`.
        public func trustedRoots(pem: String...) -> Builder {
            trustedRoots(pem: pem)
        }

        /// Trusts these PEM root certificates.
        public func trustedRoots(pem: [String]) -> Builder {
            var copy = self
            copy.trustedRootsPem += pem
            return copy
        }

        /// Whether the platform's trust is used beside `trustedRoots` (default: yes).
        public func includePlatformTrust(_ include: Bool) -> Builder {
            var copy = self
            copy.includePlatformTrust = include
            return copy
        }

        /// Timeout for connecting (TCP and TLS), in seconds (default 30).
        public func connectTimeout(_ seconds: TimeInterval) -> Builder {
            var copy = self
            copy.connectTimeout = seconds
            return copy
        }

        /// Timeout between reads, in seconds (default 30).
        public func readTimeout(_ seconds: TimeInterval) -> Builder {
            var copy = self
            copy.readTimeout = seconds
            return copy
        }

        /// Timeout for the whole call, body included, in seconds (default none).
        public func callTimeout(_ seconds: TimeInterval) -> Builder {
            var copy = self
            copy.callTimeout = seconds
            return copy
        }

        /// Redirects to follow (default 10; 0 hands redirects back as responses).
        public func maxRedirects(_ count: Int) -> Builder {
            var copy = self
            copy.maxRedirects = count
            return copy
        }

        /// An explicit HTTP proxy, e.g. `http://proxy.internal:3128` (environment variables are not read).
        public func proxy(_ url: String) -> Builder {
            var copy = self
            copy.proxy = url
            return copy
        }

        /// An explicit HTTP proxy.
        public func proxy(_ url: URL) -> Builder {
            proxy(url.absoluteString)
        }

        /// Offer only HTTP/1.1 (default: HTTP/2 by ALPN, HTTP/1.1 fallback).
        public func http1Only(_ only: Bool = true) -> Builder {
            var copy = self
            copy.http1Only = only
            return copy
        }

        /// Resolves `host` to the IP `address` instead of asking DNS (like curl's `--resolve`; the port comes
        /// from the URL).
        public func resolve(_ host: String, to address: String) -> Builder {
            var copy = self
            copy.resolve.append((host, address))
            return copy
        }

        /// The User-Agent header.
        public func userAgent(_ userAgent: String) -> Builder {
            var copy = self
            copy.userAgent = userAgent
            return copy
        }

        /// Allows `http://` to hosts no rule speaks about (default: refused).
        public func cleartextPermittedByDefault(_ permitted: Bool = true) -> Builder {
            var copy = self
            copy.cleartextPermittedByDefault = permitted
            return copy
        }

        /// Accepts pin sets with a single pin (no backup key). Dangerous: a key rotation locks the app out.
        public func dangerousAllowSinglePin() -> Builder {
            var copy = self
            copy.allowSinglePin = true
            return copy
        }

        /// Calls `handler` with every pin decision (during the TLS handshake, on Pinwire's threads: return
        /// quickly). See also `PinwireClient.pinEvents()`.
        public func onPinEvent(_ handler: @escaping @Sendable (PinEvent) -> Void) -> Builder {
            var copy = self
            copy.handlers.append(handler)
            return copy
        }

        /// Sends pin failure reports in TrustKit's JSON format, in the background, to `uris` (pattern to
        /// `https` URL; a `config`'s report URIs are added too). `app` is the identity reports carry.
        /// Reports never delay or fail a request; identical ones are sent at most once per `rateLimit`
        /// seconds (24 hours by default).
        public func reporting(app: AppIdentity, uris: [String: String] = [:], rateLimit: TimeInterval? = nil) -> Builder {
            var copy = self
            copy.reporting = ReportingOptions(
                appBundleId: app.bundleId,
                appVersion: app.version,
                appVendorId: app.vendorId,
                appPlatform: app.platform,
                appPlatformVersion: app.platformVersion,
                uris: uris.sorted { $0.key < $1.key }.map { ReportUri(pattern: $0.key, uri: $0.value) },
                // A rate limit is no security setting: out-of-range values are clamped, not refused.
                rateLimit: rateLimit.map { $0.isFinite ? min(max(0, $0), 1e12) : 1e12 }
            )
            return copy
        }

        /// Delivers every pin decision to `listener` (held strongly by the client).
        public func listener(_ listener: some PinEventListener) -> Builder {
            onPinEvent { event in listener.onPinEvent(event) }
        }

        /// The client. Throws `PinwireError.invalidConfig` (or `.invalidURL` for a bad proxy) for anything
        /// wrong: a malformed pin, a set without a backup pin, a bad pattern or PEM, a negative timeout.
        public func build() throws -> PinwireClient {
            try PinwireClient(self)
        }

        /// The pin rules and cleartext settings given to this builder, as a Pinwire JSON configuration (for
        /// `PinConfig(json:)`; trust settings are not part of it). Throws what `build()` would for them.
        public func policyJSON() throws -> String {
            let options = try options()
            return try callRust { try policyJson(options: options) }
        }

        func options() throws -> ClientOptions {
            guard maxRedirects >= 0, maxRedirects <= Int(UInt32.max) else {
                throw PinwireError.invalidConfig(detail: "maxRedirects must be >= 0, not \(maxRedirects)")
            }
            return ClientOptions(
                pins: rules.map { $0.lowered() },
                dangerousAllowSinglePin: allowSinglePin,
                cleartextPermittedByDefault: cleartextPermittedByDefault,
                trustedRootsPem: trustedRootsPem,
                includePlatformTrust: includePlatformTrust ?? true,
                connectTimeout: try connectTimeout.map { try checkedTimeout($0, "connectTimeout") },
                readTimeout: try readTimeout.map { try checkedTimeout($0, "readTimeout") },
                callTimeout: try callTimeout.map { try checkedTimeout($0, "callTimeout") },
                maxRedirects: UInt32(maxRedirects),
                proxy: proxy,
                http1Only: http1Only,
                resolve: resolve.map { ResolveOverride(host: $0.host, address: $0.address) },
                userAgent: userAgent,
                reporting: reporting,
                updates: try updates?.lowered(),
                decompress: decompress,
                maxDecodedRatio: maxDecodedRatio,
                maxDecodedSize: maxDecodedSize,
                cookies: memoryCookies
            )
        }
    }
}

/// The app's identity in pin failure reports (TrustKit's `app-*` fields), given once at start-up.
public struct AppIdentity: Sendable, Equatable {
    public var bundleId: String
    public var version: String
    public var vendorId: String
    public var platform: String
    public var platformVersion: String

    public init(bundleId: String, version: String, vendorId: String, platform: String = "IOS", platformVersion: String) {
        self.bundleId = bundleId
        self.version = version
        self.vendorId = vendorId
        self.platform = platform
        self.platformVersion = platformVersion
    }
}
