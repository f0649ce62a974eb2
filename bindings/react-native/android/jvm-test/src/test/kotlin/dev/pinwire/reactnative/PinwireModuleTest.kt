package dev.pinwire.reactnative

import android.content.Context
import android.content.ContextWrapper
import com.facebook.react.bridge.BridgeReactContext
import com.facebook.react.bridge.JavaOnlyArray
import com.facebook.react.bridge.JavaOnlyMap
import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReadableArray
import com.facebook.react.bridge.ReadableMap
import com.facebook.react.bridge.WritableMap
import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import dev.pinwire.eventually
import java.util.Base64
import java.util.Collections
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The Android Turbo Module on the desktop JVM, driven as React Native drives it: arguments in JavaOnlyMap and
 * JavaOnlyArray (numbers as doubles, bytes as base64, as JavaScript sends them), answers through a Promise,
 * end to end against the real test server.
 */
class PinwireModuleTest {
    /** The application Context React Native would hand over. */
    private class AppContext : ContextWrapper(null) {
        override fun getApplicationContext(): Context = this
    }

    /** A Promise that records its one answer; the module always resolves (errors travel as `{ error }`). */
    private class TestPromise : Promise {
        val answer = CompletableFuture<Any?>()

        override fun resolve(value: Any?) {
            check(answer.complete(value)) { "answered twice" }
        }

        private fun rejected(what: String): Nothing {
            answer.completeExceptionally(AssertionError("the module rejected: $what"))
            throw AssertionError("the module rejected: $what")
        }

        override fun reject(code: String?, message: String?) = rejected("$code $message")
        override fun reject(code: String?, throwable: Throwable?) = rejected("$code $throwable")
        override fun reject(code: String?, message: String?, throwable: Throwable?) = rejected("$code $message")
        override fun reject(throwable: Throwable) = rejected("$throwable")
        override fun reject(throwable: Throwable, userInfo: WritableMap) = rejected("$throwable")
        override fun reject(code: String?, userInfo: WritableMap) = rejected("$code")
        override fun reject(code: String?, throwable: Throwable?, userInfo: WritableMap) = rejected("$code")
        override fun reject(code: String?, message: String?, userInfo: WritableMap) = rejected("$code $message")
        override fun reject(code: String?, message: String?, throwable: Throwable?, userInfo: WritableMap?) = rejected("$code $message")
        @Deprecated("React Native's own deprecation")
        override fun reject(message: String) = rejected(message)
    }

    private val appContext = AppContext()
    private val initialized = Collections.synchronizedList(mutableListOf<Context>())
    private val events = Collections.synchronizedList(mutableListOf<Pair<String, ReadableMap>>())
    @Suppress("DEPRECATION") // BridgeReactContext: see below
    private val module = PinwireModule(
        // ReactApplicationContext is abstract; the bridge's concrete one needs no running React instance here.
        BridgeReactContext(appContext),
        { initialized += it },
        ReactValues(::JavaOnlyMap, ::JavaOnlyArray),
        { name, body -> events += name to body },
    )

    @AfterEach
    fun invalidate() = module.invalidate()

    /** A value as JavaScript sends it: maps and lists as JavaOnly*, every number a double. */
    private fun js(value: Any?): Any? = when (value) {
        is Map<*, *> -> JavaOnlyMap().apply {
            value.forEach { (k, v) ->
                when (val x = js(v)) {
                    null -> putNull(k as String)
                    is Boolean -> putBoolean(k as String, x)
                    is Double -> putDouble(k as String, x)
                    is String -> putString(k as String, x)
                    is JavaOnlyMap -> putMap(k as String, x)
                    is JavaOnlyArray -> putArray(k as String, x)
                    else -> error("$x")
                }
            }
        }
        is List<*> -> JavaOnlyArray.from(value.map(::js))
        is Number -> value.toDouble()
        else -> value
    }

    /** Sends one message as JavaScript does; returns `result`, or throws with the `error` message. */
    private fun send(method: String, args: Map<String, Any?>): ReadableMap {
        val envelope = sendRaw(method, args)
        if (envelope.hasKey("error")) throw ModuleError(envelope.getMap("error")!!)
        return envelope.getMap("result")!!
    }

    private fun sendRaw(method: String, args: Map<String, Any?>): ReadableMap {
        val promise = TestPromise()
        module.call(method, js(args) as ReadableMap, promise)
        return promise.answer.get(20, TimeUnit.SECONDS) as ReadableMap
    }

    private class ModuleError(val error: ReadableMap) : Exception(error.getString("message"))

    private fun clientArgs(vararg extra: Pair<String, Any?>) = mapOf(
        "trustedRootsPem" to listOf(TestServer.rootPem("test")),
        "includePlatformTrust" to false,
        "resolve" to mapOf(TestServer.host to "127.0.0.1"),
    ) + extra

    private fun newCall(client: Double, path: String, server: String = "good", method: String = "GET", body: String? = null) =
        send(
            "newCall",
            mapOf(
                "client" to client,
                "url" to TestServer.url(server, path),
                "method" to method,
                "headers" to listOf(listOf("x-test", "from-js")),
            ) + (if (body != null) mapOf("body" to body) else emptyMap()),
        ).getDouble("call")

    private fun ReadableArray.strings(): List<String> = (0 until size()).map { requireNotNull(getString(it)) }

    @Test
    fun `a pinned POST from JavaScript-shaped arguments, the pin event, and the body as base64 chunks`() {
        val pins = listOf(TestServer.pin("intermediate"), TestServer.pin("evil_root"))
        val client = send("createClient", clientArgs("pins" to mapOf(TestServer.host to pins))).getDouble("client")
        assertEquals(listOf<Context>(appContext), initialized.toList(), "Pinwire.init got the application context")
        val call = newCall(client, "/echo", method = "POST", body = Base64.getEncoder().encodeToString("hello".toByteArray()))
        val head = send("execute", mapOf("call" to call))
        assertEquals(200.0, head.getDouble("status"))
        assertEquals("HTTP/2.0", head.getString("version"))
        val headers = head.getArray("headers")!!
        assertTrue((0 until headers.size()).any { headers.getArray(it)!!.strings() == listOf("content-length", "26") })
        val body = StringBuilder()
        while (true) {
            val chunk = send("readChunk", mapOf("call" to call))
            if (chunk.hasKey("done")) break
            body.append(String(Base64.getDecoder().decode(chunk.getString("chunk"))))
        }
        assertEquals("POST x-test=from-js body=5", body.toString())

        val (name, event) = events.single()
        assertEquals("pinEvent", name)
        assertEquals(client, event.getDouble("client"))
        assertEquals("matched", event.getString("outcome"))
        assertEquals(TestServer.pin("intermediate"), event.getString("matchedPin"))
        assertEquals(pins.sorted(), event.getArray("expectedPins")!!.strings().sorted(), "a set")
        assertEquals(mapOf("clients" to 1, "calls" to 0), module.openHandles())
        assertEquals(true, send("closeClient", mapOf("client" to client)).getBoolean("closed"))
        assertEquals(mapOf("clients" to 0, "calls" to 0), module.openHandles())
    }

    @Test
    fun `a pin mismatch resolves an error message with every field`() {
        val pins = listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root"))
        val client = send("createClient", clientArgs("pins" to mapOf(TestServer.host to pins))).getDouble("client")
        val call = newCall(client, "/version")
        val error = (runCatching { send("execute", mapOf("call" to call)) }.exceptionOrNull() as ModuleError).error
        assertEquals("PinMismatch", error.getString("code"))
        assertTrue(error.getString("message")!!.startsWith("Certificate pinning failure!"))
        assertEquals(TestServer.host, error.getString("host"))
        assertEquals(TestServer.port("good"), error.getInt("port"))
        assertEquals(TestServer.host, error.getString("pattern"))
        assertEquals(pins.sorted(), error.getArray("expectedPins")!!.strings().sorted(), "a set")
        assertEquals(
            listOf(TestServer.pin("leaf"), TestServer.pin("intermediate"), TestServer.pin("root")),
            error.getArray("chainPins")!!.strings(),
        )
        assertEquals(3, error.getArray("chainSubjects")!!.size())
        assertEquals(false, events.single().second.getBoolean("allowed"))
        assertEquals(mapOf("clients" to 1, "calls" to 0), module.openHandles())
    }

    @Test
    fun `an untrusted chain and bad arguments resolve error messages, not rejections`() {
        val client = send("createClient", clientArgs()).getDouble("client")
        val untrusted = runCatching { send("execute", mapOf("call" to newCall(client, "/", server = "untrusted"))) }
        assertEquals("UntrustedCertificate", (untrusted.exceptionOrNull() as ModuleError).error.getString("code"))
        val bad = runCatching { send("newCall", mapOf("client" to client, "url" to 42)) }
        assertEquals("BadMessage", (bad.exceptionOrNull() as ModuleError).error.getString("code"))
        val single = runCatching { send("createClient", clientArgs("pins" to mapOf(TestServer.host to listOf(TestServer.pin("leaf"))))) }
        assertEquals("InvalidConfig", (single.exceptionOrNull() as ModuleError).error.getString("code"))
        assertEquals(mapOf("clients" to 1, "calls" to 0), module.openHandles())
    }

    @Test
    fun `cancel during a slow body ends the pending read and closes the connection`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        val client = send("createClient", clientArgs("http1Only" to true)).getDouble("client")
        val before = establishedConnectionsTo(port)
        val call = newCall(client, "/slow-body", server = "http1")
        send("execute", mapOf("call" to call))
        assertEquals("first", String(Base64.getDecoder().decode(send("readChunk", mapOf("call" to call)).getString("chunk"))))
        val pending = TestPromise()
        module.call("readChunk", js(mapOf("call" to call)) as ReadableMap, pending)
        delay(300)
        assertFalse(pending.answer.isDone)
        assertEquals(true, send("cancel", mapOf("call" to call)).getBoolean("cancelled"))
        val envelope = pending.answer.get(2, TimeUnit.SECONDS) as ReadableMap
        assertEquals("Cancelled", envelope.getMap("error")!!.getString("code"))
        assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before })
        assertEquals(mapOf("clients" to 1, "calls" to 0), module.openHandles())
    }

    @Test
    fun `invalidate closes every client and call`() {
        val client = send("createClient", clientArgs()).getDouble("client")
        newCall(client, "/")
        assertEquals(mapOf("clients" to 1, "calls" to 1), module.openHandles())
        module.invalidate()
        assertEquals(mapOf("clients" to 0, "calls" to 0), module.openHandles())
    }

    @Test
    fun `the package declares the module as a Turbo Module named Pinwire`() {
        val info = PinwirePackage().getReactModuleInfoProvider().getReactModuleInfos().getValue("Pinwire")
        assertEquals("Pinwire", info.name)
        assertEquals(PinwireModule::class.java.name, info.className)
        assertTrue(info.isTurboModule)
        assertEquals("Pinwire", module.name)
    }
}
