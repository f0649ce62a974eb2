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
            expiresEpochSeconds: expiration.map { Int64($0.timeIntervalSince1970.rounded(.down)) },
            cleartextPermitted: cleartextPermitted
        )
    }
}

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
        if let config = builder.config {
            inner = try callRust {
                try PinwireBindings.PinwireClient.fromConfig(config: config.inner, options: options, listener: hub)
            }
        } else {
            inner = try callRust { try PinwireBindings.PinwireClient(options: options, listener: hub) }
        }
        self.hub = hub
    }

    deinit {
        hub.finish()
    }

    /// Sends a request; returns once the response headers have arrived. Cancelling the calling task stops
    /// the call and closes its connection (`PinwireError.cancelled`).
    public func execute(_ request: Request) async throws -> Response {
        let lowered = try request.lowered()
        let inner = self.inner
        let response = try await callRustCancellable { token in
            try await inner.execute(request: lowered, cancel: token)
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

        public init() {}

        /// Takes the pins, trust anchors and cleartext rules from a configuration file (Pinwire JSON or a
        /// TrustKit dictionary) instead of `add`, `trustedRoots`, `includePlatformTrust`,
        /// `cleartextPermittedByDefault` and `dangerousAllowSinglePin`, which must then not be used.
        public func config(_ config: PinConfig) -> Builder {
            var copy = self
            copy.config = config
            return copy
        }

        /// Pins `pattern` to `pins` (`sha256/...`). Calling it again for the same pattern adds pins.
        public func add(_ pattern: String, _ pins: String...) -> Builder {
            add(pattern, pins: pins)
        }

        /// Pins `pattern` to `pins`, with the rule's options. Calling it again for the same pattern adds pins
        /// (and the later call's options apply).
        public func add(
            _ pattern: String, pins: [String], includeSubdomains: Bool = false, reportOnly: Bool = false,
            expiration: Date? = nil, cleartextPermitted: Bool? = nil
        ) -> Builder {
            add(
                PinRule(
                    pattern, pins: pins, includeSubdomains: includeSubdomains, reportOnly: reportOnly,
                    expiration: expiration, cleartextPermitted: cleartextPermitted))
        }

        /// Adds a rule. A rule for a pattern already added merges into it: the pins are added.
        public func add(_ rule: PinRule) -> Builder {
            var copy = self
            if let index = copy.rules.firstIndex(where: { $0.pattern == rule.pattern }) {
                var merged = rule
                merged.pins = copy.rules[index].pins + rule.pins.filter { !copy.rules[index].pins.contains($0) }
                copy.rules[index] = merged
            } else {
                copy.rules.append(rule)
            }
            return copy
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
                rateLimitSeconds: rateLimit.map { UInt64(max(0, $0)) }
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
                connectTimeoutMs: try connectTimeout.map { try milliseconds($0, "connectTimeout") },
                readTimeoutMs: try readTimeout.map { try milliseconds($0, "readTimeout") },
                callTimeoutMs: try callTimeout.map { try milliseconds($0, "callTimeout") },
                maxRedirects: UInt32(maxRedirects),
                proxy: proxy,
                http1Only: http1Only,
                resolve: resolve.map { ResolveOverride(host: $0.host, address: $0.address) },
                userAgent: userAgent,
                reporting: reporting
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

/// Pin computation: the `sha256/...` form OkHttp, Android's Network Security Config and TrustKit share.
public enum Pin {
    /// The pin of a DER certificate's public key.
    public static func fromCertificate(der: Data) throws -> String {
        try callRust { try pinFromCertificateDer(der: der) }
    }

    /// The pins of every certificate in PEM text, in order.
    public static func fromCertificates(pem: String) throws -> [String] {
        try callRust { try pinFromCertificatesPem(pem: pem) }
    }

    /// The pin of a public key (PEM `PUBLIC KEY` or DER SubjectPublicKeyInfo).
    public static func fromPublicKey(_ key: Data) throws -> String {
        try callRust { try pinFromPublicKey(key: key) }
    }

    /// The pin of a PKCS#8 private key's public half (PEM or DER): the backup pin of a key not yet deployed.
    public static func fromPrivateKey(_ key: Data) throws -> String {
        try callRust { try pinFromPrivateKey(key: key) }
    }
}
