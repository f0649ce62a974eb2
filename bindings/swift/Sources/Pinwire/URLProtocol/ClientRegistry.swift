import Foundation

/// Which `PinwireClient` each `PinwireURLProtocol` class sends its requests through. The system makes
/// protocol instances from the class alone, so the class is the only thing a binding can hang on.
final class ClientRegistry: @unchecked Sendable {
    static let shared = ClientRegistry()

    // Guards `clients`.
    private let lock = NSLock()
    private var clients: [ObjectIdentifier: PinwireClient] = [:]

    func bind(_ client: PinwireClient, to protocolClass: AnyClass) {
        lock.lock()
        clients[ObjectIdentifier(protocolClass)] = client
        lock.unlock()
    }

    /// The client bound to exactly this class: a subclass does not inherit its parent's.
    func client(for protocolClass: AnyClass) -> PinwireClient? {
        lock.lock()
        defer { lock.unlock() }
        return clients[ObjectIdentifier(protocolClass)]
    }
}
