import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension PinwireURLProtocol {
    /// The `userInfo` keys of the errors `PinwireURLProtocol` reports. Every error carries `error`; a pin
    /// mismatch also carries its fields under the other keys (strings and arrays of strings, readable from
    /// Objective-C too).
    ///
    /// ```swift
    /// } catch let error as NSError {
    ///     if let pinwire = error.userInfo[PinwireURLProtocol.UserInfoKey.error] as? PinwireError { ... }
    ///     let chain = error.userInfo[PinwireURLProtocol.UserInfoKey.chainPins] as? [String]
    /// }
    /// ```
    public enum UserInfoKey {
        /// The `PinwireError`.
        public static let error = "PinwireError"
        /// A pin mismatch's host (`String`).
        public static let host = "PinwireHost"
        /// A pin mismatch's port (`Int`), when known.
        public static let port = "PinwirePort"
        /// The pattern of the rule that applied to the host (`String`).
        public static let pattern = "PinwirePattern"
        /// The pins the rule expects (`[String]`, `sha256/...`).
        public static let expectedPins = "PinwireExpectedPins"
        /// The pins of the validated chain, leaf first, trust anchor last (`[String]`).
        public static let chainPins = "PinwireChainPins"
        /// The subjects of the validated chain, in the same order (`[String]`).
        public static let chainSubjects = "PinwireChainSubjects"
    }

    /// `error` as URLSession reports errors: an `NSError` in `NSURLErrorDomain` with the code URLSession
    /// uses for the same failure (a pin mismatch is `NSURLErrorServerCertificateUntrusted`, a cancelled call
    /// `NSURLErrorCancelled`), the failing URL, the core's message as the localized description, and the
    /// `PinwireError` with its fields under `UserInfoKey`.
    public static func urlSessionError(for error: Error, url: URL?) -> NSError {
        guard let pinwire = error as? PinwireError else {
            var userInfo: [String: Any] = [NSUnderlyingErrorKey: error as NSError]
            userInfo[NSLocalizedDescriptionKey] = "\(error)"
            addFailingURL(url, to: &userInfo)
            return NSError(domain: NSURLErrorDomain, code: URLError.Code.unknown.rawValue, userInfo: userInfo)
        }
        return pinwire.urlSessionError(url: url)
    }

    fileprivate static func addFailingURL(_ url: URL?, to userInfo: inout [String: Any]) {
        if let url {
            userInfo[NSURLErrorFailingURLErrorKey] = url
            userInfo[NSURLErrorFailingURLStringErrorKey] = url.absoluteString
        }
    }
}

extension PinwireError {
    /// This error as URLSession reports errors (see `PinwireURLProtocol.urlSessionError(for:url:)`).
    func urlSessionError(url: URL?) -> NSError {
        typealias Key = PinwireURLProtocol.UserInfoKey
        var userInfo: [String: Any] = [
            NSLocalizedDescriptionKey: detail,
            Key.error: self,
        ]
        PinwireURLProtocol.addFailingURL(url, to: &userInfo)
        if case let .pinMismatch(host, port, pattern, expectedPins, chainPins, chainSubjects, _) = self {
            userInfo[Key.host] = host
            userInfo[Key.port] = port.map { Int($0) }
            userInfo[Key.pattern] = pattern
            userInfo[Key.expectedPins] = expectedPins
            userInfo[Key.chainPins] = chainPins
            userInfo[Key.chainSubjects] = chainSubjects
        }
        return NSError(domain: NSURLErrorDomain, code: urlErrorCode.rawValue, userInfo: userInfo)
    }

    /// The code URLSession gives the same failure.
    private var urlErrorCode: URLError.Code {
        switch self {
        case .pinMismatch, .hostnameMismatch:
            return .serverCertificateUntrusted
        case .untrustedCertificate(_, let reason, _):
            switch reason {
            case .expired: return .serverCertificateHasBadDate
            case .notYetValid: return .serverCertificateNotYetValid
            case .unknownIssuer: return .serverCertificateHasUnknownRoot
            default: return .serverCertificateUntrusted
            }
        case .cleartextNotPermitted:
            return .appTransportSecurityRequiresSecureConnection
        case .timeout:
            return .timedOut
        case .connect:
            return .cannotConnectToHost
        case .protocolError:
            return .networkConnectionLost
        case .tooManyRedirects:
            return .httpTooManyRedirects
        case .invalidURL:
            return .badURL
        case .cancelled:
            return .cancelled
        case .invalidConfig, .closed, .internalError:
            return .unknown
        }
    }
}
