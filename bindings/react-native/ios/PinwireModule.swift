// The iOS side of the `Pinwire` module: a thin shim over the Swift host bridge (PinwireBridge, in the Pinwire
// Swift package), which is tested on Linux with the same cases as the Kotlin bridge. Answers are resolved as
// `{ result }` or `{ error }` with bytes as base64, exactly as the Android module does; pin events are emitted
// as `pinEvent`. Not compiled on the machines this repository is tested on (no Xcode).
import Foundation
import Pinwire

@objc(PinwireModuleImpl)
public final class PinwireModuleImpl: NSObject {
    private let bridge: PinwireBridge

    @objc public init(emit: @escaping @Sendable (String, [String: Any]) -> Void) {
        bridge = PinwireBridge { name, body in
            emit(name, BridgeValue.map(body).jsonCompatible as? [String: Any] ?? [:])
        }
    }

    @objc public func call(_ method: String, args: [String: Any], resolve: @escaping @Sendable (Any?) -> Void) {
        bridge.handle(method, args) { answer in
            switch answer {
            case .success(let result):
                resolve(["result": BridgeValue.map(result).jsonCompatible])
            case .failure(let error):
                resolve(["error": BridgeValue.map(error.asMessage).jsonCompatible])
            }
        }
    }

    @objc public func close() {
        bridge.close()
    }
}
