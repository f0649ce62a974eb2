package dev.pinwire.flutter

import android.os.Handler
import android.os.Looper
import dev.pinwire.android.Pinwire
import io.flutter.embedding.engine.plugins.FlutterPlugin
import io.flutter.plugin.common.EventChannel
import io.flutter.plugin.common.MethodCall
import io.flutter.plugin.common.MethodChannel

/**
 * The channel registration, and nothing else: every call goes to [PinwireFlutterHost]. This file is the
 * only one of the plugin's Kotlin that is not compiled or tested in this repository (Flutter's embedding
 * classes are not on Maven Central); PinwireFlutterHost and FlutterChannel are, on the JVM.
 */
class PinwirePlugin : FlutterPlugin, MethodChannel.MethodCallHandler, EventChannel.StreamHandler {
    private val main = Handler(Looper.getMainLooper())
    private var host: PinwireFlutterHost? = null
    private var methods: MethodChannel? = null
    private var events: EventChannel? = null

    override fun onAttachedToEngine(binding: FlutterPlugin.FlutterPluginBinding) {
        // Platform trust (the default) needs Pinwire.init once per process; it is idempotent.
        Pinwire.init(binding.applicationContext)
        host = PinwireFlutterHost { main.post(it) }
        methods = MethodChannel(binding.binaryMessenger, FlutterChannel.METHOD_CHANNEL).also { it.setMethodCallHandler(this) }
        events = EventChannel(binding.binaryMessenger, FlutterChannel.EVENT_CHANNEL).also { it.setStreamHandler(this) }
    }

    override fun onMethodCall(call: MethodCall, result: MethodChannel.Result) {
        val answer = result
        val host = host ?: return answer.error("Closed", "the plugin was detached from its engine", mapOf("what" to "bridge"))
        host.onMethodCall(
            call.method,
            call.arguments,
            object : FlutterReply {
                override fun success(result: Any?) = answer.success(result)

                override fun error(code: String, message: String?, details: Any?) = answer.error(code, message, details)

                override fun notImplemented() = answer.notImplemented()
            },
        )
    }

    override fun onListen(arguments: Any?, events: EventChannel.EventSink) {
        host?.listen { events.success(it) }
    }

    override fun onCancel(arguments: Any?) {
        host?.cancelListen()
    }

    override fun onDetachedFromEngine(binding: FlutterPlugin.FlutterPluginBinding) {
        methods?.setMethodCallHandler(null)
        events?.setStreamHandler(null)
        host?.close()
        host = null
        methods = null
        events = null
    }
}
