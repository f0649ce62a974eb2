package dev.pinwire.flutter

/**
 * The Flutter plugin's channel names and the arguments each method takes: the Kotlin side of
 * bindings/flutter/channel.json, which a JVM test checks this object against (and the Dart constants are
 * generated from), so the three languages cannot drift apart.
 */
object FlutterChannel {
    /** The MethodChannel every bridge call goes through. */
    const val METHOD_CHANNEL = "dev.pinwire/bridge"

    /** The EventChannel pin events go through, as `{event, body}`. */
    const val EVENT_CHANNEL = "dev.pinwire/events"

    /** The key of an event's name in the event channel's envelope. */
    const val EVENT = "event"

    /** The key of an event's message in the event channel's envelope. */
    const val BODY = "body"

    /** Each method and the argument keys it accepts; a key not listed is refused as a typo. */
    val ARGUMENTS: Map<String, Set<String>> = linkedMapOf(
        "createClient" to setOf(
            "pins", "config", "configName", "configDebuggable", "trustedRootsPem", "includePlatformTrust",
            "dangerousAllowSinglePin", "connectTimeoutMs", "readTimeoutMs", "callTimeoutMs", "maxRedirects", "http1Only",
            "resolve", "userAgent", "proxy",
        ),
        "newCall" to setOf("client", "url", "method", "headers", "body", "callTimeoutMs"),
        "execute" to setOf("call"),
        "readChunk" to setOf("call"),
        "cancel" to setOf("call"),
        "closeCall" to setOf("call"),
        "closeClient" to setOf("client"),
        "openHandles" to emptySet(),
    )
}
