import Foundation

/// A failed bridge call as a plain message: a `code` the host maps to its own error type, the core's
/// `message`, and the error's fields. The codes are the Kotlin bridge's (`dev.pinwire.bridge`).
public struct BridgeError: Error, Sendable, Equatable {
    /// The error codes of bridge messages.
    public enum Code: String, Sendable, CaseIterable {
        case pinMismatch = "PinMismatch"
        case untrustedCertificate = "UntrustedCertificate"
        case hostnameMismatch = "HostnameMismatch"
        case cleartextNotPermitted = "CleartextNotPermitted"
        case timeout = "Timeout"
        case connect = "Connect"
        case protocolError = "Protocol"
        case tooManyRedirects = "TooManyRedirects"
        case decodedBodyTooLarge = "DecodedBodyTooLarge"
        case invalidConfig = "InvalidConfig"
        case invalidURL = "InvalidUrl"
        case closed = "Closed"
        /// Cancelled by a `cancel` message (or the bridge was closed).
        case cancelled = "Cancelled"
        /// A missing or mistyped argument, or an unknown method.
        case badMessage = "BadMessage"
        /// The id names no live client or call.
        case unknownHandle = "UnknownHandle"
        /// A failure the bridge did not expect.
        case `internal` = "Internal"
    }

    public let code: Code
    public let message: String
    public let fields: BridgeMessage

    public init(code: Code, message: String, fields: BridgeMessage = [:]) {
        self.code = code
        self.message = message
        self.fields = fields
    }

    /// `{ code, message, ...fields }`.
    public var asMessage: BridgeMessage {
        fields.merging(["code": .string(code.rawValue), "message": .string(message)]) { _, new in new }
    }
}

extension BridgeError {
    /// The Swift API's error as a bridge error: every case by name, so a new one cannot slip through.
    init(_ error: PinwireError) {
        let strings = { (list: [String]) in BridgeValue.list(list.map(BridgeValue.string)) }
        switch error {
        case let .pinMismatch(host, port, pattern, expectedPins, chainPins, chainSubjects, detail):
            self.init(
                code: .pinMismatch, message: detail,
                fields: [
                    "host": .string(host), "port": port.map { BridgeValue.int(Int($0)) } ?? .null,
                    "pattern": .string(pattern),
                    "expectedPins": strings(expectedPins), "chainPins": strings(chainPins),
                    "chainSubjects": strings(chainSubjects),
                ])
        case let .untrustedCertificate(host, reason, detail):
            self.init(code: .untrustedCertificate, message: detail, fields: ["host": .string(host), "reason": .string(reason.rawValue)])
        case let .hostnameMismatch(host, detail):
            self.init(code: .hostnameMismatch, message: detail, fields: ["host": .string(host)])
        case let .cleartextNotPermitted(host, url, detail):
            self.init(code: .cleartextNotPermitted, message: detail, fields: ["host": .string(host), "url": .string(url)])
        case let .timeout(kind, url, detail):
            self.init(code: .timeout, message: detail, fields: ["kind": .string(kind.rawValue), "url": .string(url)])
        case let .connect(url, detail):
            self.init(code: .connect, message: detail, fields: ["url": .string(url)])
        case let .protocolError(url, detail):
            self.init(code: .protocolError, message: detail, fields: ["url": .string(url)])
        case let .tooManyRedirects(url, max, detail):
            self.init(code: .tooManyRedirects, message: detail, fields: ["url": .string(url), "maxRedirects": .int(max)])
        case let .decodedBodyTooLarge(url, decodedBytes, compressedBytes, detail):
            self.init(
                code: .decodedBodyTooLarge, message: detail,
                fields: ["url": .string(url), "decodedBytes": .int(Int(clamping: decodedBytes)), "compressedBytes": .int(Int(clamping: compressedBytes))])
        case let .invalidConfig(detail):
            self.init(code: .invalidConfig, message: detail)
        case let .invalidURL(url, detail):
            self.init(code: .invalidURL, message: detail, fields: ["url": .string(url)])
        case .cancelled:
            self.init(code: .cancelled, message: "the call was cancelled")
        case let .closed(what):
            self.init(code: .closed, message: error.detail, fields: ["what": .string(what)])
        case let .internalError(detail):
            self.init(code: .internal, message: detail)
        }
    }

    /// Any failure of a bridge operation.
    static func from(_ error: any Error) -> BridgeError {
        switch error {
        case let e as BridgeError: return e
        case let e as PinwireError: return BridgeError(e)
        case is CancellationError: return BridgeError(code: .cancelled, message: "the call was cancelled")
        default: return BridgeError(code: .internal, message: "\(type(of: error)): \(error)")
        }
    }
}
