// The channel registration, and nothing else: every call goes to PinwireFlutterHost (Host/), which the Swift
// suite compiles and tests on Linux against the real test server. This file needs Flutter's iOS framework
// and is not compiled on the machines this repository is tested on (no Xcode, no Flutter SDK).
import Flutter
import Foundation
import Pinwire
import UIKit

public final class PinwirePlugin: NSObject, FlutterPlugin, FlutterStreamHandler {
    private let host = PinwireFlutterHost(
        bytes: FlutterBytes(
            wrap: { FlutterStandardTypedData(bytes: $0) },
            unwrap: { ($0 as? FlutterStandardTypedData)?.data }),
        post: { block in DispatchQueue.main.async(execute: block) })

    public static func register(with registrar: FlutterPluginRegistrar) {
        let plugin = PinwirePlugin()
        let methods = FlutterMethodChannel(name: FlutterChannel.methodChannel, binaryMessenger: registrar.messenger())
        registrar.addMethodCallDelegate(plugin, channel: methods)
        FlutterEventChannel(name: FlutterChannel.eventChannel, binaryMessenger: registrar.messenger())
            .setStreamHandler(plugin)
    }

    public func handle(_ call: FlutterMethodCall, result: @escaping FlutterResult) {
        host.handle(call.method, call.arguments) { answer in
            switch answer {
            case .success(let value): result(value)
            case .error(let code, let message, let details): result(FlutterError(code: code, message: message, details: details))
            case .notImplemented: result(FlutterMethodNotImplemented)
            }
        }
    }

    public func onListen(withArguments arguments: Any?, eventSink events: @escaping FlutterEventSink) -> FlutterError? {
        host.listen { events($0) }
        return nil
    }

    public func onCancel(withArguments arguments: Any?) -> FlutterError? {
        host.cancelListen()
        return nil
    }

    public func detachFromEngine(for registrar: FlutterPluginRegistrar) {
        host.close()
    }
}
