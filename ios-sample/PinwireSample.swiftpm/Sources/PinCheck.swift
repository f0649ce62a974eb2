import Foundation
import Observation
import Pinwire

/// One certificate of the chain the platform validated: its pin and subject.
struct ChainEntry: Identifiable, Hashable, Sendable {
    let pin: String
    let subject: String
    var id: String { pin + subject }
}

/// What the last fetch gave.
enum FetchOutcome: Sendable {
    /// The pins matched (or the rule is report-only) and the server answered.
    case success(status: Int, version: String, bytes: Int, preview: String)
    /// The chain was valid, but none of its keys is pinned: the chain, leaf first, root last.
    case pinMismatch(host: String, expectedPins: [String], chain: [ChainEntry])
    /// Anything else: not trusted, wrong host name, timeout, no connection...
    case failure(kind: String, message: String)
    /// The fetch was cancelled.
    case cancelled
}

/// The sample's state: the URL and pins typed in, the running fetch, its outcome and the pin events seen.
@MainActor @Observable
final class PinCheck {
    var url = "https://example.com/"
    /// One `sha256/...` pin per line; at least two (a backup key), as Pinwire requires.
    var pins = """
        sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
        sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=
        """
    var reportOnly = false
    private(set) var running = false
    private(set) var outcome: FetchOutcome?
    private(set) var events: [PinEvent] = []
    private var task: Task<Void, Never>?

    /// Starts a fetch (cancelling one in flight).
    func fetch() {
        task?.cancel()
        task = Task { await run() }
    }

    /// Cancels the fetch in flight: Pinwire stops the call and closes its connection.
    func cancel() {
        task?.cancel()
    }

    /// After a mismatch: pin the chain's leaf and intermediate keys (the usual pair: current key + backup CA).
    func pinTheChain() {
        guard case let .pinMismatch(_, _, chain) = outcome else { return }
        pins = chain.prefix(2).map(\.pin).joined(separator: "\n")
    }

    private func run() async {
        running = true
        defer { running = false }
        guard let url = URL(string: url.trimmingCharacters(in: .whitespacesAndNewlines)), let host = url.host else {
            outcome = .failure(kind: "invalid URL", message: "Type an https:// URL.")
            return
        }
        let pinList = pins.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        do {
            let client = try PinwireClient.Builder()
                .add(host, pins: pinList, reportOnly: reportOnly)
                .callTimeout(30)
                .onPinEvent { [weak self] event in
                    // Called during the handshake on Pinwire's threads: hand it to the main actor and return.
                    Task { @MainActor in self?.events.insert(event, at: 0) }
                }
                .build()
            let response = try await client.get(url)
            let data = try await response.data()
            outcome = .success(
                status: response.status, version: response.version, bytes: data.count,
                preview: String(decoding: data.prefix(400), as: UTF8.self))
        } catch let PinwireError.pinMismatch(host, _, _, expectedPins, chainPins, chainSubjects, _) {
            outcome = .pinMismatch(
                host: host, expectedPins: expectedPins,
                chain: zip(chainPins, chainSubjects).map { ChainEntry(pin: $0, subject: $1) })
        } catch PinwireError.cancelled {
            outcome = .cancelled
        } catch let error as PinwireError {
            outcome = .failure(kind: Self.kind(of: error), message: error.description)
        } catch {
            outcome = .failure(kind: "error", message: String(describing: error))
        }
    }

    private static func kind(of error: PinwireError) -> String {
        switch error {
        case .untrustedCertificate(_, let reason, _): return "untrusted certificate (\(reason))"
        case .hostnameMismatch: return "host name mismatch"
        case .timeout(let kind, _, _): return "\(kind) timeout"
        case .connect: return "could not connect"
        case .invalidConfig: return "invalid configuration"
        case .cleartextNotPermitted: return "cleartext refused"
        default: return "error"
        }
    }
}
