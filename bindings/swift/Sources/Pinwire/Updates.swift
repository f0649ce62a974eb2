import Foundation
internal import PinwireBindings

/// Where a client takes signed pin updates from (`PinwireClient.Builder.updates`).
public struct UpdateOptions: Sendable, Hashable {
    /// The public keys (JWK text, as `pinwire update keygen` prints) that may sign updates: one or more, so
    /// the signing key itself can rotate.
    public var keys: [String]
    /// Keeps the last accepted document here (Application Support) and reads it back at start.
    public var storeDirectory: URL?
    /// Where `PinwireClient.checkForUpdate()` fetches documents, over a connection pinned by the shipped pins.
    public var url: URL?
    /// Also fetch from `url` when the client is built and then this often (seconds).
    public var fetchInterval: TimeInterval?
    /// The version of the shipped pins (default 0): a stored or fetched document must be newer.
    public var shippedVersion: UInt64

    public init(
        keys: [String],
        storeDirectory: URL? = nil,
        url: URL? = nil,
        fetchInterval: TimeInterval? = nil,
        shippedVersion: UInt64 = 0
    ) {
        self.keys = keys
        self.storeDirectory = storeDirectory
        self.url = url
        self.fetchInterval = fetchInterval
        self.shippedVersion = shippedVersion
    }

    func lowered() throws -> UpdateSource {
        if let interval = fetchInterval, !(interval.isFinite && interval > 0) {
            throw PinwireError.invalidConfig(detail: "an update fetch interval must be positive, not \(interval)")
        }
        return UpdateSource(
            keys: keys,
            storeDirectory: storeDirectory?.path,
            url: url?.absoluteString,
            fetchInterval: fetchInterval,
            shippedVersion: shippedVersion
        )
    }
}

/// What `applyUpdate` and `checkForUpdate` did.
public enum UpdateOutcome: Sendable, Hashable {
    /// The document is now in use for every new connection.
    case applied(version: UInt64, previous: UInt64)
    /// The document was already in use.
    case unchanged(version: UInt64)

    init(_ outcome: PinwireBindings.UpdateOutcome) {
        switch outcome {
        case let .applied(version, previous): self = .applied(version: version, previous: previous)
        case let .unchanged(version): self = .unchanged(version: version)
        }
    }
}

/// Why a signed pin update was refused (the names of the Rust core's `UpdateError`).
public enum UpdateRefusal: Sendable, Hashable {
    case notConfigured, tooLarge, malformed, missingKeyId, unknownKeyId, algorithmNotAllowed, badSignature
    case invalidPayload, expired, issuedInFuture, invalidConfiguration, unacceptableConfiguration, rollback
    case sameVersionDifferentContent, fetch, store, client

    init(_ refusal: PinwireBindings.UpdateRefusal) {
        switch refusal {
        case .notConfigured: self = .notConfigured
        case .tooLarge: self = .tooLarge
        case .malformed: self = .malformed
        case .missingKeyId: self = .missingKeyId
        case .unknownKeyId: self = .unknownKeyId
        case .algorithmNotAllowed: self = .algorithmNotAllowed
        case .badSignature: self = .badSignature
        case .invalidPayload: self = .invalidPayload
        case .expired: self = .expired
        case .issuedInFuture: self = .issuedInFuture
        case .invalidConfiguration: self = .invalidConfiguration
        case .unacceptableConfiguration: self = .unacceptableConfiguration
        case .rollback: self = .rollback
        case .sameVersionDifferentContent: self = .sameVersionDifferentContent
        case .fetch: self = .fetch
        case .store: self = .store
        case .client: self = .client
        }
    }
}

/// A signed pin update was not applied; the configuration in use stays in use.
public struct UpdateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why.
    public let reason: UpdateRefusal
    /// The document's version, when it was read that far.
    public let version: UInt64?
    /// The core's own message.
    public let detail: String

    public var description: String { detail }

    init(_ error: PinwireBindings.UpdateError) {
        switch error {
        case let .NotConfigured(detail): (reason, version, self.detail) = (.notConfigured, nil, detail)
        case let .TooLarge(_, _, detail): (reason, version, self.detail) = (.tooLarge, nil, detail)
        case let .Malformed(detail): (reason, version, self.detail) = (.malformed, nil, detail)
        case let .MissingKeyId(detail): (reason, version, self.detail) = (.missingKeyId, nil, detail)
        case let .UnknownKeyId(_, detail): (reason, version, self.detail) = (.unknownKeyId, nil, detail)
        case let .AlgorithmNotAllowed(_, _, detail): (reason, version, self.detail) = (.algorithmNotAllowed, nil, detail)
        case let .BadSignature(_, detail): (reason, version, self.detail) = (.badSignature, nil, detail)
        case let .InvalidPayload(detail): (reason, version, self.detail) = (.invalidPayload, nil, detail)
        case let .Expired(v, detail): (reason, version, self.detail) = (.expired, v, detail)
        case let .IssuedInFuture(v, detail): (reason, version, self.detail) = (.issuedInFuture, v, detail)
        case let .InvalidConfiguration(v, detail): (reason, version, self.detail) = (.invalidConfiguration, v, detail)
        case let .UnacceptableConfiguration(v, detail):
            (reason, version, self.detail) = (.unacceptableConfiguration, v, detail)
        case let .Rollback(v, _, detail): (reason, version, self.detail) = (.rollback, v, detail)
        case let .SameVersionDifferentContent(v, detail):
            (reason, version, self.detail) = (.sameVersionDifferentContent, v, detail)
        case let .Fetch(_, detail): (reason, version, self.detail) = (.fetch, nil, detail)
        case let .Store(detail): (reason, version, self.detail) = (.store, nil, detail)
        case let .Client(detail): (reason, version, self.detail) = (.client, nil, detail)
        }
    }
}

/// One update outcome, including those of the stored document at start and of scheduled fetches.
public struct UpdateEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable { case applied, unchanged, refused, notStored }
    /// Where the document came from.
    public enum Origin: Sendable, Hashable { case app, fetched, stored }

    public let kind: Kind
    /// The document's version, when known.
    public let version: UInt64?
    /// The version in use before, for `.applied`.
    public let previous: UInt64?
    /// Where the document came from (nil for `.notStored`).
    public let origin: Origin?
    /// The update URL, for a fetched document.
    public let url: String?
    /// Why it was refused, for `.refused`.
    public let refusal: UpdateRefusal?
    /// The message, for `.refused` and `.notStored`.
    public let detail: String?

    init(_ event: PinwireBindings.UpdateEvent) {
        switch event.kind {
        case .applied: kind = .applied
        case .unchanged: kind = .unchanged
        case .refused: kind = .refused
        case .notStored: kind = .notStored
        }
        switch event.origin {
        case .app: origin = .app
        case .fetched: origin = .fetched
        case .stored: origin = .stored
        case nil: origin = nil
        }
        version = event.version
        previous = event.previous
        url = event.url
        refusal = event.refusal.map(UpdateRefusal.init)
        detail = event.detail
    }
}

/// The update listener every client with update handlers registers with Rust.
final class UpdateEventHub: PinwireBindings.UpdateEventListener, @unchecked Sendable {
    // Never changes after init.
    private let handlers: [@Sendable (UpdateEvent) -> Void]

    init(handlers: [@Sendable (UpdateEvent) -> Void]) {
        self.handlers = handlers
    }

    func onUpdateEvent(event: PinwireBindings.UpdateEvent) {
        let event = UpdateEvent(event)
        for handler in handlers {
            handler(event)
        }
    }
}

/// Runs an update call into Rust, turning its error into `UpdateError` (and any other into `PinwireError`).
func callRustUpdate<T>(_ body: () throws -> T) throws -> T {
    do {
        return try callRust(body)
    } catch let error as PinwireBindings.UpdateError {
        throw UpdateError(error)
    }
}
