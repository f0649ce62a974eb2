import Foundation

/// The host bridge: Pinwire's Swift API behind plain messages, for hosts that cannot hold Swift objects:
/// React Native's and Flutter's iOS modules. It keeps clients and calls in handle tables and hands out their
/// ids; it has no pin or HTTP logic of its own. The methods, arguments, results and error codes are the
/// Kotlin bridge's (`dev.pinwire.bridge.PinwireBridge`), so one JavaScript or Dart layer serves both:
///
/// - `createClient {pins?, config?, configName?, configDebuggable?, trustedRootsPem?, includePlatformTrust?,
///   dangerousAllowSinglePin?, connectTimeoutMs?, readTimeoutMs?, callTimeoutMs?, maxRedirects?, http1Only?,
///   resolve?, userAgent?, proxy?}` -> `{client}`
/// - `newCall {client, url, method?, headers?, body?, callTimeoutMs?}` -> `{call}`
/// - `execute {call}` -> `{status, url, version, headers}`
/// - `readChunk {call}` -> `{chunk}` or `{done: true}` (the call is then released)
/// - `cancel {call}` -> `{cancelled}`, `closeCall {call}` -> `{closed}`, `closeClient {client}` -> `{closed}`
/// - `openHandles {}` -> `{clients, calls}`
///
/// A failure is a `BridgeError`, and a call that fails is released: ids never leak on errors. Pin events go
/// to `events` as `pinEvent` with the client's id.
public final class PinwireBridge: @unchecked Sendable {
    /// The method names.
    public static let methods = [
        "createClient", "newCall", "execute", "readChunk", "cancel", "closeCall", "closeClient", "openHandles",
    ]
    /// The event name of pin events.
    public static let pinEvent = "pinEvent"

    private final class ClientEntry {
        let client: PinwireClient
        var calls: Set<Int> = []
        init(_ client: PinwireClient) { self.client = client }
    }

    private final class CallEntry {
        let clientId: Int
        let client: PinwireClient
        let request: Request
        var executed = false
        var reading = false
        var released = false
        var response: Response?
        /// Cancels the operation in flight (execute or a body read), if any.
        var cancelInFlight: (@Sendable () -> Void)?

        init(clientId: Int, client: PinwireClient, request: Request) {
            self.clientId = clientId
            self.client = client
            self.request = request
        }
    }

    /// Guards everything below.
    private let lock = NSLock()
    private var nextId = 1
    private var clients: [Int: ClientEntry] = [:]
    private var calls: [Int: CallEntry] = [:]
    /// Set by `close()`: every later message fails with `Closed`, as the Kotlin bridge's do.
    private var closed = false
    private let events: (@Sendable (String, BridgeMessage) -> Void)?

    /// `events` receives pin events (on Pinwire's threads, during handshakes: hand them on and return).
    public init(events: (@Sendable (String, BridgeMessage) -> Void)? = nil) {
        self.events = events
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `method` in the background and answers through `reply`; never throws. What React Native's and
    /// Flutter's modules call for every message, with the host's own values.
    public func handle(
        _ method: String, _ args: [String: Any], reply: @escaping @Sendable (Result<BridgeMessage, BridgeError>) -> Void
    ) {
        let message: BridgeMessage
        do {
            message = try args.mapValues { try BridgeValue(plain: $0) }
        } catch {
            let e = BridgeError.from(error)
            reply(.failure(BridgeError(code: e.code, message: "\(method): \(e.message)")))
            return
        }
        Task {
            do {
                reply(.success(try await self.call(method, message)))
            } catch {
                reply(.failure(BridgeError.from(error)))
            }
        }
    }

    /// Runs `method` with `args`; a failure throws `BridgeError`.
    public func call(_ method: String, _ args: BridgeMessage) async throws -> BridgeMessage {
        let a = BridgeArguments(method: method, args: args)
        do {
            if locked({ closed }) { throw PinwireBridge.closedError }
            switch method {
            case "createClient": return try createClient(a)
            case "newCall": return try newCall(a)
            case "execute": return try await execute(a)
            case "readChunk": return try await readChunk(a)
            case "cancel": return ["cancelled": .bool(release(try a.id("call")))]
            case "closeCall": return ["closed": .bool(release(try a.id("call")))]
            case "closeClient": return ["closed": .bool(closeClient(try a.id("client")))]
            case "openHandles": return openHandles()
            default: throw BridgeError(code: .badMessage, message: "unknown method \(method)")
            }
        } catch {
            throw BridgeError.from(error)
        }
    }

    /// How many clients and calls are live: `{clients, calls}`.
    public func openHandles() -> BridgeMessage {
        locked { ["clients": .int(clients.count), "calls": .int(calls.count)] }
    }

    /// Releases every client and call (the host module is going away); later messages fail with `Closed`.
    public func close() {
        let ids = locked {
            closed = true
            return Array(calls.keys)
        }
        ids.forEach { _ = release($0) }
        locked { clients.removeAll() }
    }

    private static let closedError = BridgeError(
        code: .closed, message: "the bridge was closed", fields: ["what": .string("bridge")])

    private final class IdBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        var id: Int {
            get { lock.lock(); defer { lock.unlock() }; return value }
            set { lock.lock(); value = newValue; lock.unlock() }
        }
    }

    private func createClient(_ a: BridgeArguments) throws -> BridgeMessage {
        var builder = PinwireClient.Builder()
        for (pattern, rule) in try a.optMap("pins") ?? [:] {
            builder = builder.add(try pinRule(a, pattern, rule))
        }
        if let roots = try a.optStrings("trustedRootsPem") { builder = builder.trustedRoots(pem: roots) }
        if let platform = try a.optBool("includePlatformTrust") { builder = builder.includePlatformTrust(platform) }
        if try a.optBool("dangerousAllowSinglePin") == true { builder = builder.dangerousAllowSinglePin() }
        if let ms = try a.optNonNegative("connectTimeoutMs") { builder = builder.connectTimeout(Double(ms) / 1000) }
        if let ms = try a.optNonNegative("readTimeoutMs") { builder = builder.readTimeout(Double(ms) / 1000) }
        if let ms = try a.optNonNegative("callTimeoutMs") { builder = builder.callTimeout(Double(ms) / 1000) }
        if let max = try a.optNonNegative("maxRedirects") { builder = builder.maxRedirects(max) }
        if let only = try a.optBool("http1Only") { builder = builder.http1Only(only) }
        for (host, address) in try a.optMap("resolve") ?? [:] {
            guard case .string(let ip) = address else { throw a.bad("resolve.\(host) must be an address string") }
            builder = builder.resolve(host, to: ip)
        }
        if let agent = try a.optString("userAgent") { builder = builder.userAgent(agent) }
        if let proxy = try a.optString("proxy") { builder = builder.proxy(proxy) }
        if let json = try a.optString("config") {
            builder = builder.config(
                try PinConfig(
                    json: json, fileName: try a.optString("configName") ?? "pinwire.json",
                    debuggable: try a.optBool("configDebuggable") ?? false))
        }
        let box = IdBox()
        if let events {
            builder = builder.onPinEvent { event in events(PinwireBridge.pinEvent, pinEventMessage(box.id, event)) }
        }
        let client = try builder.build()
        // No handshake can happen before the id is known: the client has made no call yet.
        // A close() that came while the client was being built wins: the client is dropped, never registered.
        let id = try locked {
            if closed { throw PinwireBridge.closedError }
            let id = nextId
            nextId += 1
            clients[id] = ClientEntry(client)
            return id
        }
        box.id = id
        return ["client": .int(id)]
    }

    private func pinRule(_ a: BridgeArguments, _ pattern: String, _ rule: BridgeValue) throws -> PinRule {
        let strings = { (value: BridgeValue?, what: String) throws -> [String] in
            guard case .list(let items)? = value else { throw a.bad("\(what) must be a list of pins") }
            return try items.map {
                guard case .string(let s) = $0 else { throw a.bad("\(what) must hold strings") }
                return s
            }
        }
        switch rule {
        case .list:
            return PinRule(pattern, pins: try strings(rule, "pins.\(pattern)"))
        case .map(let options):
            let o = BridgeArguments(method: "\(a.method): pins.\(pattern)", args: options)
            return PinRule(
                pattern, pins: try strings(options["pins"], "pins.\(pattern).pins"),
                includeSubdomains: try o.optBool("includeSubdomains") ?? false,
                reportOnly: try o.optBool("reportOnly") ?? false,
                expiration: try o.optInt("expiresAtMs").map { Date(timeIntervalSince1970: Double($0) / 1000) })
        default:
            throw a.bad("pins.\(pattern) must be a list of pins or {pins, includeSubdomains, reportOnly, expiresAtMs}")
        }
    }

    private func newCall(_ a: BridgeArguments) throws -> BridgeMessage {
        let clientId = try a.id("client")
        let urlText = try a.string("url")
        guard let url = URL(string: urlText) else {
            throw BridgeError(code: .invalidURL, message: "invalid URL \(urlText)", fields: ["url": .string(urlText)])
        }
        let request = Request(
            url, method: (try a.optString("method") ?? "GET").uppercased(), headers: try a.optHeaders("headers") ?? [],
            body: try a.optBytes("body"), callTimeout: try a.optNonNegative("callTimeoutMs").map { Double($0) / 1000 })
        return try locked {
            guard let owner = clients[clientId] else { throw unknown("client", clientId) }
            let id = nextId
            nextId += 1
            calls[id] = CallEntry(clientId: clientId, client: owner.client, request: request)
            owner.calls.insert(id)
            return ["call": .int(id)]
        }
    }

    /// Runs `operation` so that `cancel` (or the bridge's close) can stop it.
    private func cancellable<T: Sendable>(
        _ entry: CallEntry, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task { try await operation() }
        let alreadyReleased = locked {
            entry.cancelInFlight = { task.cancel() }
            return entry.released
        }
        if alreadyReleased { task.cancel() }
        defer { locked { entry.cancelInFlight = nil } }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    private func execute(_ a: BridgeArguments) async throws -> BridgeMessage {
        let id = try a.id("call")
        let entry: CallEntry = try locked {
            guard let entry = calls[id] else { throw unknown("call", id) }
            if entry.executed { throw a.bad("call \(id) was already executed") }
            entry.executed = true
            return entry
        }
        let client = entry.client
        let request = entry.request
        let response: Response
        do {
            response = try await cancellable(entry) { try await client.execute(request) }
        } catch {
            _ = release(id)
            throw error
        }
        let cancelled = locked {
            entry.response = response
            return entry.released
        }
        if cancelled {
            // A cancel that ran while the head was on its way found no response to close.
            response.close()
            throw BridgeError(code: .cancelled, message: "the call was cancelled")
        }
        return [
            "status": .int(response.status),
            "url": .string(response.url.absoluteString),
            "version": .string(response.version),
            "headers": .list(response.headers.map { .list([.string($0.name), .string($0.value)]) }),
        ]
    }

    private func readChunk(_ a: BridgeArguments) async throws -> BridgeMessage {
        let id = try a.id("call")
        let (entry, response): (CallEntry, Response) = try locked {
            guard let entry = calls[id] else { throw unknown("call", id) }
            guard let response = entry.response else { throw a.bad("call \(id) has no response yet: execute it first") }
            if entry.reading { throw a.bad("call \(id) is already being read") }
            entry.reading = true
            return (entry, response)
        }
        defer { locked { entry.reading = false } }
        let chunk: Data?
        do {
            chunk = try await cancellable(entry) {
                var body = response.body.makeAsyncIterator()
                return try await body.next()
            }
        } catch {
            _ = release(id)
            throw error
        }
        guard let chunk else {
            _ = release(id)
            return ["done": .bool(true)]
        }
        return ["chunk": .bytes(chunk)]
    }

    /// Removes call `id` and stops what it has in flight; false when it was already gone.
    private func release(_ id: Int) -> Bool {
        let entry: CallEntry? = locked {
            guard let entry = calls.removeValue(forKey: id) else { return nil }
            clients[entry.clientId]?.calls.remove(id)
            entry.released = true
            return entry
        }
        guard let entry else { return false }
        let (cancel, response) = locked { (entry.cancelInFlight, entry.response) }
        cancel?()
        response?.close()
        return true
    }

    private func closeClient(_ id: Int) -> Bool {
        guard let entry = locked({ clients.removeValue(forKey: id) }) else { return false }
        entry.calls.forEach { _ = release($0) }
        return true
    }

    private func unknown(_ kind: String, _ id: Int) -> BridgeError {
        BridgeError(
            code: .unknownHandle, message: "no live \(kind) with id \(id)", fields: ["kind": .string(kind), "id": .int(id)])
    }
}

/// A pin event of client `clientId` as a plain message (the chain's DER is left out: hosts get its pins).
func pinEventMessage(_ clientId: Int, _ event: PinEvent) -> BridgeMessage {
    let strings = { (list: [String]) in BridgeValue.list(list.map(BridgeValue.string)) }
    var outcome = "mismatch"
    var matched = BridgeValue.null
    switch event.outcome {
    case .matched(let pin):
        outcome = "matched"
        matched = .string(pin)
    case .mismatch: outcome = "mismatch"
    case .overridden: outcome = "overridden"
    case .expired: outcome = "expired"
    }
    return [
        "client": .int(clientId), "host": .string(event.host), "port": event.port.map { BridgeValue.int(Int($0)) } ?? .null,
        "pattern": .string(event.pattern), "includeSubdomains": .bool(event.includeSubdomains),
        "enforced": .bool(event.enforced), "outcome": .string(outcome), "matchedPin": matched,
        "allowed": .bool(event.allowed), "expectedPins": strings(event.expectedPins),
        "chainPins": strings(event.chainPins), "chainSubjects": strings(event.chainSubjects),
        "expiresAtMs": event.expiration.map { BridgeValue.int(Int($0.timeIntervalSince1970 * 1000)) } ?? .null,
        "atMs": .int(Int(event.at.timeIntervalSince1970 * 1000)),
    ]
}
