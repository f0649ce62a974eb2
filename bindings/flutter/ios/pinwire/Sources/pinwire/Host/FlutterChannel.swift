import Foundation

/// The Flutter plugin's channel names and the arguments each method takes: the Swift side of
/// bindings/flutter/channel.json, which the Swift suite checks this enum against.
public enum FlutterChannel {
    /// The MethodChannel every bridge call goes through.
    public static let methodChannel = "dev.pinwire/bridge"
    /// The EventChannel pin events go through, as `{event, body}`.
    public static let eventChannel = "dev.pinwire/events"
    /// The key of an event's name in the event channel's envelope.
    public static let event = "event"
    /// The key of an event's message in the event channel's envelope.
    public static let body = "body"

    /// Each method and the argument keys it accepts; a key not listed is refused as a typo.
    public static let arguments: [String: Set<String>] = [
        "createClient": [
            "pins", "config", "configName", "configDebuggable", "trustedRootsPem", "includePlatformTrust",
            "dangerousAllowSinglePin", "connectTimeoutMs", "readTimeoutMs", "callTimeoutMs", "maxRedirects", "http1Only",
            "resolve", "userAgent", "proxy",
        ],
        "newCall": ["client", "url", "method", "headers", "body", "callTimeoutMs"],
        "execute": ["call"],
        "readChunk": ["call"],
        "cancel": ["call"],
        "closeCall": ["call"],
        "closeClient": ["client"],
        "openHandles": [],
    ]
}
