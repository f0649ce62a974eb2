import Foundation
internal import PinwireBindings

/// Why a server's certificate was not trusted.
public enum UntrustedReason: String, Sendable, Hashable, CaseIterable {
    /// The certificate's validity period has ended.
    case expired
    /// The certificate's validity period has not started (or the device clock is wrong).
    case notYetValid
    /// No path to a trusted root: a private CA, a missing intermediate, or an interception proxy.
    case unknownIssuer
    /// A signature on the path does not verify.
    case badSignature
    /// The certificate is not for the host that was asked for.
    case hostnameMismatch
    /// The certificate may not be used for TLS server authentication.
    case notServerAuth
    /// The certificate is revoked.
    case revoked
    /// A CA certificate was used as a leaf, or a leaf as a CA.
    case wrongRole
    /// The certificate could not be parsed, or uses something unsupported.
    case malformed
    /// The platform refused the chain for a reason of its own (see the error's `detail`).
    case other
}

/// Which timeout fired.
public enum TimeoutKind: String, Sendable, Hashable, CaseIterable {
    /// Connecting (TCP and TLS).
    case connect
    /// Waiting for data.
    case read
    /// The whole call (`PinwireClient.Builder.callTimeout` or `Request.callTimeout`).
    case call
}

/// Every way a Pinwire call fails. `description` is the core's own message (the same text Kotlin and Rust
/// show); a pin mismatch uses OkHttp's "Certificate pinning failure!" layout with the chain's pins.
public enum PinwireError: Error, Sendable, Hashable {
    /// The chain was valid, and none of its keys is pinned for the host. `pattern` is the rule that applied;
    /// `chainPins` and `chainSubjects` are the validated chain's, leaf first, trust anchor last.
    case pinMismatch(
        host: String, port: UInt16?, pattern: String, expectedPins: [String], chainPins: [String],
        chainSubjects: [String], detail: String)
    /// The chain did not validate (pins were not looked at).
    case untrustedCertificate(host: String, reason: UntrustedReason, detail: String)
    /// The certificate is not valid for this host.
    case hostnameMismatch(host: String, detail: String)
    /// `http://` to a host the policy does not allow cleartext for (also after a redirect).
    case cleartextNotPermitted(host: String, url: String, detail: String)
    /// A timeout fired.
    case timeout(kind: TimeoutKind, url: String, detail: String)
    /// Could not connect (refused, unreachable, DNS, proxy).
    case connect(url: String, detail: String)
    /// TLS or HTTP broke mid-exchange.
    case protocolError(url: String, detail: String)
    /// More redirects than `maxRedirects`.
    case tooManyRedirects(url: String, max: Int, detail: String)
    /// A compressed body expanded beyond the client's bound when decoded (a decompression bomb, or more
    /// than `maxDecodedSize` allows). The body is not read further.
    case decodedBodyTooLarge(url: String, decodedBytes: UInt64, compressedBytes: UInt64, detail: String)
    /// Invalid client, policy, pin or header configuration.
    case invalidConfig(detail: String)
    /// A malformed URL or an unsupported scheme.
    case invalidURL(url: String, detail: String)
    /// The call was cancelled (its `Task` was cancelled).
    case cancelled
    /// A response body was used after `close()`.
    case closed(what: String)
    /// A bug: code inside the call panicked. The call failed; it was not cancelled. `detail` carries the
    /// panic's message.
    case internalError(detail: String)

    /// The core's message.
    public var detail: String {
        switch self {
        case .pinMismatch(_, _, _, _, _, _, let detail),
            .untrustedCertificate(_, _, let detail),
            .hostnameMismatch(_, let detail),
            .cleartextNotPermitted(_, _, let detail),
            .timeout(_, _, let detail),
            .connect(_, let detail),
            .protocolError(_, let detail),
            .tooManyRedirects(_, _, let detail),
            .decodedBodyTooLarge(_, _, _, let detail),
            .invalidConfig(let detail),
            .invalidURL(_, let detail),
            .internalError(let detail):
            return detail
        case .cancelled:
            return "the call was cancelled"
        case .closed(let what):
            return "\(what) was used after close()"
        }
    }
}

extension PinwireError: CustomStringConvertible, LocalizedError {
    public var description: String { detail }
    public var errorDescription: String? { detail }
}

// MARK: - The one place where the generated error becomes PinwireError

extension PinwireError {
    init(_ error: PinwireBindings.PinwireError) {
        switch error {
        case let .PinMismatch(host, port, pattern, expectedPins, chainPins, chainSubjects, detail):
            self = .pinMismatch(
                host: host, port: port, pattern: pattern, expectedPins: expectedPins, chainPins: chainPins,
                chainSubjects: chainSubjects, detail: detail)
        case let .UntrustedCertificate(host, reason, detail):
            self = .untrustedCertificate(host: host, reason: UntrustedReason(reason), detail: detail)
        case let .HostnameMismatch(host, detail):
            self = .hostnameMismatch(host: host, detail: detail)
        case let .CleartextNotPermitted(host, url, detail):
            self = .cleartextNotPermitted(host: host, url: url, detail: detail)
        case let .Timeout(kind, url, detail):
            self = .timeout(kind: TimeoutKind(kind), url: url, detail: detail)
        case let .Connect(url, detail):
            self = .connect(url: url, detail: detail)
        case let .Protocol(url, detail):
            self = .protocolError(url: url, detail: detail)
        case let .TooManyRedirects(url, max, detail):
            self = .tooManyRedirects(url: url, max: Int(max), detail: detail)
        case let .DecodedBodyTooLarge(url, decodedBytes, compressedBytes, detail):
            self = .decodedBodyTooLarge(url: url, decodedBytes: decodedBytes, compressedBytes: compressedBytes, detail: detail)
        case let .InvalidConfig(detail):
            self = .invalidConfig(detail: detail)
        case let .InvalidUrl(url, detail):
            self = .invalidURL(url: url, detail: detail)
        case .Cancelled:
            self = .cancelled
        case let .Closed(what):
            self = .closed(what: what)
        case let .Internal(detail):
            self = .internalError(detail: detail)
        }
    }
}

extension UntrustedReason {
    init(_ kind: PinwireBindings.UntrustedReason) {
        switch kind {
        case .expired: self = .expired
        case .notYetValid: self = .notYetValid
        case .unknownIssuer: self = .unknownIssuer
        case .badSignature: self = .badSignature
        case .hostnameMismatch: self = .hostnameMismatch
        case .notServerAuth: self = .notServerAuth
        case .revoked: self = .revoked
        case .wrongRole: self = .wrongRole
        case .malformed: self = .malformed
        case .other: self = .other
        }
    }
}

extension TimeoutKind {
    init(_ kind: PinwireBindings.TimeoutKind) {
        switch kind {
        case .connect: self = .connect
        case .read: self = .read
        case .call: self = .call
        }
    }
}

/// Runs a synchronous call into Rust, translating its error.
func callRust<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as PinwireBindings.PinwireError {
        throw PinwireError(error)
    }
}

/// Runs an async call into Rust with a fresh cancellation token that the current task's cancellation fires.
///
/// UniFFI's Swift (0.32) awaits a Rust future with a continuation that task cancellation does not reach:
/// without the token a cancelled task would wait for the call to finish on its own. With it, the Rust side
/// stops the call, closes its connection and returns `Cancelled` at once.
func callRustCancellable<T: Sendable>(
    _ body: (PinwireBindings.CancellationToken) async throws -> T
) async throws -> T {
    let token = PinwireBindings.CancellationToken()
    do {
        return try await withTaskCancellationHandler {
            try await body(token)
        } onCancel: {
            token.cancel()
        }
    } catch let error as PinwireBindings.PinwireError {
        throw PinwireError(error)
    }
}
