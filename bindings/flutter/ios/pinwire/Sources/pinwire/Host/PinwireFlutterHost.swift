import Foundation
import Pinwire

/// How a method call is answered: what the plugin turns into Flutter's `FlutterResult` calls.
public enum FlutterAnswer {
    case success(Any?)
    /// `details` carries the error's fields (`host`, `expectedPins`, ...), Dart's `PlatformException.details`.
    case error(code: String, message: String?, details: Any?)
    /// The method is not one of `FlutterChannel.arguments` (`FlutterMethodNotImplemented`).
    case notImplemented
}

/// How Flutter's standard codec carries bytes on iOS (`FlutterStandardTypedData`): the plugin passes the
/// conversions, so that this file needs no Flutter classes.
public struct FlutterBytes: Sendable {
    /// `Data` as the codec's byte value.
    public let wrap: @Sendable (Data) -> Any
    /// The bytes of a codec value, or nil when it is not a byte value.
    public let unwrap: @Sendable (Any) -> Data?

    public init(wrap: @escaping @Sendable (Data) -> Any, unwrap: @escaping @Sendable (Any) -> Data?) {
        self.wrap = wrap
        self.unwrap = unwrap
    }
}

/// Everything the Flutter plugin does on iOS except registering its channels: checks each call's arguments
/// against `FlutterChannel.arguments`, hands it to the host bridge (`PinwireBridge`), and posts the answer,
/// and every pin event, through `post` (the plugin posts to the main thread, where Flutter wants replies).
public final class PinwireFlutterHost: @unchecked Sendable {
    private let bytes: FlutterBytes
    private let post: @Sendable (@escaping @Sendable () -> Void) -> Void
    private let lock = NSLock()
    private var sink: (@Sendable (Any?) -> Void)?
    private var closed = false
    private var bridge: PinwireBridge!

    /// `post` runs a block on the thread Flutter wants answers on.
    public init(bytes: FlutterBytes, post: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.bytes = bytes
        self.post = post
        bridge = PinwireBridge { [weak self] name, body in self?.emit(name, body) }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Handles one method call; `arguments` is what Dart sent (a dictionary, or nil for none).
    public func handle(_ method: String, _ arguments: Any?, reply: @escaping @Sendable (FlutterAnswer) -> Void) {
        guard let allowed = FlutterChannel.arguments[method] else {
            post { reply(.notImplemented) }
            return
        }
        if locked({ closed }) {
            let error = BridgeError(code: .closed, message: "the bridge was closed", fields: ["what": "bridge"])
            post { [self] in reply(answer(error)) }
            return
        }
        let args: [String: Any]
        do {
            args = try self.arguments(method, arguments, allowed)
        } catch {
            let e = error as? BridgeError ?? BridgeError(code: .badMessage, message: "\(method): \(error)")
            post { [self] in reply(answer(e)) }
            return
        }
        bridge.handle(method, args) { [self] result in
            post { [self] in
                switch result {
                case .success(let message): reply(.success(value(.map(message))))
                case .failure(let error): reply(answer(error))
                }
            }
        }
    }

    /// Dart listens to the event channel; `sink` is the stream's `FlutterEventSink`.
    public func listen(_ sink: @escaping @Sendable (Any?) -> Void) {
        locked { self.sink = sink }
    }

    /// Dart stopped listening.
    public func cancelListen() {
        locked { sink = nil }
    }

    /// How many clients and calls the bridge holds.
    public func openHandles() -> [String: Int] {
        var out: [String: Int] = [:]
        for (key, value) in bridge.openHandles() { if case .int(let n) = value { out[key] = n } }
        return out
    }

    /// The engine is going away: every client and call is closed, later calls answer `Closed`.
    public func close() {
        locked {
            closed = true
            sink = nil
        }
        bridge.close()
    }

    private func emit(_ name: String, _ body: BridgeMessage) {
        // Pin events come from Pinwire's threads during a handshake; with no listener they are dropped.
        guard locked({ sink }) != nil else { return }
        post { [self] in
            let sink = locked { self.sink }
            sink?(value(.map([FlutterChannel.event: .string(name), FlutterChannel.body: .map(body)])))
        }
    }

    private func answer(_ error: BridgeError) -> FlutterAnswer {
        .error(code: error.code.rawValue, message: error.message, details: value(.map(error.fields)))
    }

    /// A message value as Flutter's standard codec takes it: bytes wrapped, nulls as `NSNull`.
    private func value(_ v: BridgeValue) -> Any {
        switch v {
        case .bytes(let data): return bytes.wrap(data)
        case .list(let items): return items.map(value)
        case .map(let entries): return entries.mapValues(value)
        default: return v.plain
        }
    }

    /// The arguments Dart sent, with byte values unwrapped to `Data`; a key not in `allowed` is refused.
    private func arguments(_ method: String, _ arguments: Any?, _ allowed: Set<String>) throws -> [String: Any] {
        func bad(_ text: String) -> BridgeError { BridgeError(code: .badMessage, message: "\(method): \(text)") }
        guard let arguments, !(arguments is NSNull) else { return [:] }
        guard let map = arguments as? [AnyHashable: Any] else { throw bad("the arguments must be a map, were \(type(of: arguments))") }
        var out: [String: Any] = [:]
        for (key, item) in map {
            guard let name = key.base as? String else { throw bad("argument names must be strings, was \(key)") }
            guard allowed.contains(name) else { throw bad("unknown argument \(name) (expected one of \(allowed.sorted()))") }
            out[name] = unwrapped(item)
        }
        return out
    }

    private func unwrapped(_ item: Any) -> Any {
        if let data = bytes.unwrap(item) { return data }
        if let list = item as? [Any] { return list.map(unwrapped) }
        if let map = item as? [String: Any] { return map.mapValues(unwrapped) }
        return item
    }
}
