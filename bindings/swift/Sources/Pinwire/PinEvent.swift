import Foundation
internal import PinwireBindings

/// One pin decision: made for every TLS handshake with a host a rule pins, enforced or report-only.
public struct PinEvent: Sendable, Hashable {
    /// What the check found.
    public enum Outcome: Sendable, Hashable {
        /// A pin matched: this one.
        case matched(pin: String)
        /// No pin matched (the connection failed, unless the rule is report-only).
        case mismatch
        /// The validated path ends at a trust anchor that overrides pins (a debug-only CA in a debuggable build,
        /// NSC's `overridePins`): the pins were not enforced.
        case overridden
        /// The rule's pin set has expired and was not enforced.
        case expired
    }

    /// The host.
    public let host: String
    /// The port, when known.
    public let port: UInt16?
    /// The pattern of the rule that applied.
    public let pattern: String
    /// Whether the rule includes subdomains.
    public let includeSubdomains: Bool
    /// Whether a mismatch fails the connection (`false`: report-only).
    public let enforced: Bool
    /// The outcome.
    public let outcome: Outcome
    /// Whether the handshake was allowed to continue.
    public let allowed: Bool
    /// The pins the rule expects.
    public let expectedPins: [String]
    /// The validated chain's pins, leaf first, trust anchor last.
    public let chainPins: [String]
    /// The validated chain's subjects, in the same order.
    public let chainSubjects: [String]
    /// The validated chain's certificates (DER), in the same order.
    public let chainDER: [Data]
    /// When the rule's pin set stops being enforced, if ever.
    public let expiration: Date?
    /// When the decision was made.
    public let at: Date
    /// The version of the pin configuration that decided: the shipped one, or a signed update's.
    public let configVersion: UInt64

    /// Whether the rule only reports mismatches.
    public var reportOnly: Bool { !enforced }

    init(_ record: PinEventRecord) {
        host = record.host
        port = record.port
        pattern = record.pattern
        includeSubdomains = record.includeSubdomains
        enforced = record.enforced
        switch record.outcome {
        case .matched: outcome = .matched(pin: record.matchedPin ?? "")
        case .mismatch: outcome = .mismatch
        case .overridden: outcome = .overridden
        case .expired: outcome = .expired
        }
        allowed = record.allowed
        expectedPins = record.expectedPins
        chainPins = record.chainPins
        chainSubjects = record.chainSubjects
        chainDER = record.chainDer
        expiration = record.expiration
        at = record.at
        configVersion = record.configVersion
    }
}

/// Receives pin decisions. Called during TLS handshakes on Pinwire's threads: return quickly (hand the event
/// to your own queue or task for anything slow).
public protocol PinEventListener: AnyObject, Sendable {
    /// One decision.
    func onPinEvent(_ event: PinEvent)
}

/// The listener every client registers with Rust: fans each event out to the builder's listeners and to the
/// `AsyncStream`s handed out by `PinwireClient.pinEvents()`.
final class PinEventHub: PinwireBindings.PinEventListener, @unchecked Sendable {
    // `handlers` never changes after init; `streams` is guarded by `lock`.
    private let handlers: [@Sendable (PinEvent) -> Void]
    private let lock = NSLock()
    private var streams: [UInt64: AsyncStream<PinEvent>.Continuation] = [:]
    private var nextID: UInt64 = 0

    init(handlers: [@Sendable (PinEvent) -> Void]) {
        self.handlers = handlers
    }

    func onPinEvent(event: PinEventRecord) {
        let event = PinEvent(event)
        for handler in handlers {
            handler(event)
        }
        lock.lock()
        let continuations = Array(streams.values)
        lock.unlock()
        for continuation in continuations {
            continuation.yield(event)
        }
    }

    func subscribe(bufferingNewest limit: Int) -> AsyncStream<PinEvent> {
        var made: AsyncStream<PinEvent>.Continuation?
        let stream = AsyncStream<PinEvent>(bufferingPolicy: .bufferingNewest(limit)) { made = $0 }
        guard let continuation = made else { return stream }  // the closure runs synchronously: never nil
        lock.lock()
        let id = nextID
        nextID += 1
        streams[id] = continuation
        lock.unlock()
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.streams[id] = nil
            self.lock.unlock()
        }
        return stream
    }

    /// Ends every stream (the client is gone: no more events will come).
    func finish() {
        lock.lock()
        let continuations = Array(streams.values)
        streams.removeAll()
        lock.unlock()
        for continuation in continuations {
            continuation.finish()
        }
    }
}
