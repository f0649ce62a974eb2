package dev.pinwire.flutter

import dev.pinwire.bridge.BridgeErrorCodes
import dev.pinwire.bridge.BridgeException
import dev.pinwire.bridge.BridgeReply
import dev.pinwire.bridge.PinwireBridge
import java.io.Closeable
import java.util.concurrent.atomic.AtomicReference

/** How a method call is answered: the shape of Flutter's `MethodChannel.Result`, without Flutter's classes. */
interface FlutterReply {
    fun success(result: Any?)

    /** [details] carries the error's fields (`host`, `expectedPins`, ...), Dart's `PlatformException.details`. */
    fun error(code: String, message: String?, details: Any?)

    /** The method is not one of [FlutterChannel.ARGUMENTS]. */
    fun notImplemented()
}

/** Where events go: the shape of Flutter's `EventChannel.EventSink.success`. */
fun interface FlutterEventSink {
    fun success(event: Any?)
}

/**
 * Everything the Flutter plugin does on Android except registering its channels: checks each call's
 * arguments against [FlutterChannel.ARGUMENTS], hands it to the host bridge (dev.pinwire.bridge), and posts
 * the answer, and every pin event, through [post] (the plugin posts to the main thread, where Flutter wants
 * channel replies). Flutter's standard codec already carries byte arrays, so messages pass as they are.
 */
class PinwireFlutterHost(private val post: (Runnable) -> Unit) : Closeable {
    private val sink = AtomicReference<FlutterEventSink?>()

    private val bridge = PinwireBridge { name, body ->
        // Pin events come from Pinwire's threads during a handshake; with no listener they are dropped.
        if (sink.get() != null) {
            val event = linkedMapOf(FlutterChannel.EVENT to name, FlutterChannel.BODY to body)
            post(Runnable { sink.get()?.success(event) })
        }
    }

    /** Handles one method call; [arguments] is what Dart sent (a map, or null for none). */
    fun onMethodCall(method: String, arguments: Any?, reply: FlutterReply) {
        val allowed = FlutterChannel.ARGUMENTS[method]
        if (allowed == null) {
            post(Runnable { reply.notImplemented() })
            return
        }
        val args = try {
            arguments(method, arguments, allowed)
        } catch (e: BridgeException) {
            post(Runnable { reply.error(e.code, e.message, e.fields) })
            return
        }
        bridge.handle(
            method,
            args,
            object : BridgeReply {
                override fun success(result: Map<String, Any?>) = post(Runnable { reply.success(result) })

                override fun error(error: BridgeException) = post(Runnable { reply.error(error.code, error.message, error.fields) })
            },
        )
    }

    /** Dart listens to the event channel. */
    fun listen(events: FlutterEventSink) = sink.set(events)

    /** Dart stopped listening. */
    fun cancelListen() = sink.set(null)

    /** How many clients and calls the bridge holds. */
    fun openHandles(): Map<String, Any?> = bridge.openHandles()

    /** The engine is going away: every client and call is closed, later calls answer `Closed`. */
    override fun close() {
        sink.set(null)
        bridge.close()
    }

    private fun arguments(method: String, arguments: Any?, allowed: Set<String>): Map<String, Any?> {
        fun bad(text: String): Nothing = throw BridgeException(BridgeErrorCodes.BAD_MESSAGE, "$method: $text")
        val map = when (arguments) {
            null -> return emptyMap()
            is Map<*, *> -> arguments
            else -> bad("the arguments must be a map, were ${arguments.javaClass.simpleName}")
        }
        return map.entries.associate { (key, value) ->
            if (key !is String) bad("argument names must be strings, was $key")
            if (key !in allowed) bad("unknown argument $key (expected one of ${allowed.sorted()})")
            key to value
        }
    }
}
