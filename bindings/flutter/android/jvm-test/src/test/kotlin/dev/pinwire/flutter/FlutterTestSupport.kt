package dev.pinwire.flutter

import dev.pinwire.Json
import dev.pinwire.TestServer
import java.io.File
import java.util.Collections
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** bindings/flutter, from the `pinwire.flutter` system property the pom sets. */
val flutterDir = File(System.getProperty("pinwire.flutter") ?: error("system property pinwire.flutter is not set"))

/** bindings/flutter/channel.json, parsed. */
@Suppress("UNCHECKED_CAST")
val channelTable: Map<String, Any?> by lazy { Json.parse(File(flutterDir, "channel.json").readText()) as Map<String, Any?> }

@Suppress("UNCHECKED_CAST")
fun Map<String, Any?>.section(key: String): Map<String, Any?> = getValue(key) as Map<String, Any?>

@Suppress("UNCHECKED_CAST")
fun Map<String, Any?>.strings(key: String): List<String> = getValue(key) as List<String>

/** One answer of the host, as Flutter's MethodChannel.Result would receive it. */
sealed interface Answer {
    data class Success(val result: Any?) : Answer

    data class Error(val code: String, val message: String?, val details: Any?) : Answer {
        @Suppress("UNCHECKED_CAST")
        val fields: Map<String, Any?> get() = details as Map<String, Any?>
    }

    data object NotImplemented : Answer
}

/** A FlutterReply that records its one answer and the thread it came on. */
class RecordingReply : FlutterReply {
    val answer = CompletableFuture<Answer>()

    @Volatile
    var thread: String? = null

    private fun answer(a: Answer) {
        thread = Thread.currentThread().name
        check(answer.complete(a)) { "answered twice" }
    }

    override fun success(result: Any?) = answer(Answer.Success(result))

    override fun error(code: String, message: String?, details: Any?) = answer(Answer.Error(code, message, details))

    override fun notImplemented() = answer(Answer.NotImplemented)

    fun get(): Answer = answer.get(20, TimeUnit.SECONDS)
}

/**
 * A host whose replies and events are posted to one named thread, as the plugin posts them to Android's main
 * thread, and whose event sink records what Dart's EventChannel stream would receive.
 */
class HostFixture : AutoCloseable {
    val platformThread = "flutter-platform-thread"
    private val executor = Executors.newSingleThreadExecutor { r -> Thread(r, platformThread).apply { isDaemon = true } }
    val host = PinwireFlutterHost { executor.execute(it) }
    val events: MutableList<Pair<String, Any?>> = Collections.synchronizedList(mutableListOf<Pair<String, Any?>>())

    init {
        host.listen { event -> events += Thread.currentThread().name to event }
    }

    /** Sends one call as Dart does and waits for its answer (which must come on the platform thread). */
    fun call(method: String, args: Any? = emptyMap<String, Any?>()): Answer {
        val reply = RecordingReply()
        host.onMethodCall(method, args, reply)
        val answer = reply.get()
        check(reply.thread == platformThread) { "$method answered on ${reply.thread}, not the platform thread" }
        return answer
    }

    /** The result map of a call that must succeed. */
    @Suppress("UNCHECKED_CAST")
    fun ok(method: String, args: Any? = emptyMap<String, Any?>()): Map<String, Any?> = when (val a = call(method, args)) {
        is Answer.Success -> a.result as Map<String, Any?>
        else -> throw AssertionError("$method failed: $a")
    }

    /** The error of a call that must fail. */
    fun failing(method: String, args: Any?): Answer.Error =
        call(method, args) as? Answer.Error ?: throw AssertionError("$method did not fail")

    override fun close() {
        host.close()
        executor.shutdown()
    }
}

/** `createClient` arguments as Dart sends them: a client trusting only the test root, the host resolved locally. */
fun clientArgs(vararg extra: Pair<String, Any?>): Map<String, Any?> = mapOf(
    "trustedRootsPem" to listOf(TestServer.rootPem("test")),
    "includePlatformTrust" to false,
    "resolve" to mapOf(TestServer.host to "127.0.0.1"),
) + extra
