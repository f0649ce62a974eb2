package dev.pinwire.reactnative

import android.content.Context
import com.facebook.react.bridge.Arguments
import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.bridge.ReadableMap
import com.facebook.react.bridge.WritableMap
import dev.pinwire.android.Pinwire
import dev.pinwire.bridge.BridgeException
import dev.pinwire.bridge.BridgeReply
import dev.pinwire.bridge.BridgeValues
import dev.pinwire.bridge.PinwireBridge

/**
 * The `Pinwire` Turbo Module (also found by the old bridge): each `call` hands one message to the host
 * bridge, dev.pinwire.bridge.PinwireBridge, and resolves its answer as `{ result }` or `{ error }`. Byte
 * arrays travel as base64 strings. Pin events are emitted to JavaScript as `pinEvent`.
 */
class PinwireModule internal constructor(
    context: ReactApplicationContext,
    initialize: (Context) -> Unit,
    private val values: ReactValues,
    emit: ((String, WritableMap) -> Unit)?,
) : NativePinwireSpec(context) {
    /** What React Native's module registry calls. */
    constructor(context: ReactApplicationContext) : this(
        context,
        Pinwire::init,
        ReactValues(Arguments::createMap, Arguments::createArray),
        null,
    )

    private val emitEvent: (String, WritableMap) -> Unit = emit ?: { name, body -> reactApplicationContext.emitDeviceEvent(name, body) }

    private val bridge: PinwireBridge

    init {
        // Platform trust (the default) needs Pinwire.init once per process; it is idempotent.
        initialize(context.applicationContext ?: context)
        bridge = PinwireBridge { name, body ->
            emitEvent(name, values.toWritable(body.mapValues { (_, value) -> BridgeValues.jsonCompatible(value) }))
        }
    }

    override fun call(method: String, args: ReadableMap, promise: Promise) {
        val message = try {
            values.toPlain(args)
        } catch (e: RuntimeException) {
            promise.resolve(envelope("error", mapOf("code" to "BadMessage", "message" to "$method: ${e.message}")))
            return
        }
        bridge.handle(
            method,
            message,
            object : BridgeReply {
                override fun success(result: Map<String, Any?>) = promise.resolve(envelope("result", result))

                override fun error(error: BridgeException) = promise.resolve(envelope("error", error.toMessage()))
            },
        )
    }

    /** NativeEventEmitter's bookkeeping: events are emitted whether or not JavaScript listens. */
    override fun addListener(eventName: String) = Unit

    override fun removeListeners(count: Double) = Unit

    /** The React instance is going away: every client and call is closed. */
    override fun invalidate() {
        bridge.close()
        super.invalidate()
    }

    /** How many clients and calls the bridge holds (for tests). */
    internal fun openHandles(): Map<String, Any?> = bridge.openHandles()

    private fun envelope(key: String, body: Map<String, Any?>): WritableMap =
        values.toWritable(mapOf(key to BridgeValues.jsonCompatible(body)))
}
