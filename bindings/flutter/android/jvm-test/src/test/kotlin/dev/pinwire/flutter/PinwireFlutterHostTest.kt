package dev.pinwire.flutter

import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import dev.pinwire.eventually
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The Flutter plugin's Android shim (everything but the channel registration) driven with the values
 * Flutter's standard codec hands it from Dart: ints as Int, Uint8List as ByteArray, lists and maps. End to
 * end against the real test server; every answer must arrive on the thread the plugin posts to.
 */
class PinwireFlutterHostTest {
    private val f = HostFixture()

    @AfterEach
    fun close() = f.close()

    private fun newCall(client: Any?, path: String, server: String = "good", method: String = "GET", body: ByteArray? = null) =
        f.ok(
            "newCall",
            mapOf("client" to client, "url" to TestServer.url(server, path), "method" to method, "headers" to listOf(listOf("x-test", "from-dart"))) +
                (if (body != null) mapOf("body" to body) else emptyMap()),
        ).getValue("call")

    private fun readAll(call: Any?): ByteArray {
        val out = java.io.ByteArrayOutputStream()
        while (true) {
            val m = f.ok("readChunk", mapOf("call" to call))
            if (m["done"] == true) return out.toByteArray()
            val chunk = m.getValue("chunk")
            assertTrue(chunk is ByteArray, "chunks are byte arrays (Uint8List in Dart), was ${chunk?.javaClass}")
            out.write(chunk as ByteArray)
        }
    }

    @Test
    fun `a pinned POST with bytes in and byte chunks out, and its pin event on the event sink`() {
        val pins = listOf(TestServer.pin("intermediate"), TestServer.pin("evil_root"))
        val client = f.ok("createClient", clientArgs("pins" to mapOf(TestServer.host to pins))).getValue("client")
        assertTrue(client is Int, "ids are ints")
        val call = newCall(client, "/echo", method = "POST", body = "hello".toByteArray())
        val head = f.ok("execute", mapOf("call" to call))
        assertEquals(200, head["status"])
        assertEquals(TestServer.url("good", "/echo"), head["url"])
        assertEquals("HTTP/2.0", head["version"])
        assertTrue((head["headers"] as List<*>).contains(listOf("content-length", "28")), "$head")
        assertEquals("POST x-test=from-dart body=5", readAll(call).decodeToString())

        val (thread, event) = f.events.single()
        assertEquals(f.platformThread, thread, "events are posted too")
        val envelope = event as Map<*, *>
        assertEquals("pinEvent", envelope["event"])
        val body = envelope["body"] as Map<*, *>
        assertEquals(client, body["client"])
        assertEquals("matched", body["outcome"])
        assertEquals(TestServer.pin("intermediate"), body["matchedPin"])
        assertEquals(mapOf("clients" to 1, "calls" to 0), f.host.openHandles())
        assertEquals(true, f.ok("closeClient", mapOf("client" to client))["closed"])
        assertEquals(mapOf("clients" to 0, "calls" to 0), f.host.openHandles())
    }

    @Test
    fun `a large body arrives whole, in several chunks`() {
        val client = f.ok("createClient", clientArgs()).getValue("client")
        val call = newCall(client, "/pattern/100000")
        assertEquals(200, f.ok("execute", mapOf("call" to call))["status"])
        val body = readAll(call)
        assertEquals(100_000, body.size)
        assertArrayEquals(ByteArray(100_000) { (it % 251).toByte() }, body)
    }

    @Test
    fun `a pin mismatch is an error with the PinMismatch code and every field as details`() {
        val pins = listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root"))
        val client = f.ok("createClient", clientArgs("pins" to mapOf(TestServer.host to pins))).getValue("client")
        val error = f.failing("execute", mapOf("call" to newCall(client, "/version")))
        assertEquals("PinMismatch", error.code)
        assertTrue(error.message!!.startsWith("Certificate pinning failure!"), error.message)
        assertEquals(TestServer.host, error.fields["host"])
        assertEquals(TestServer.port("good"), error.fields["port"])
        assertEquals(pins.sorted(), (error.fields["expectedPins"] as List<*>).map { it as String }.sorted())
        assertEquals(
            listOf(TestServer.pin("leaf"), TestServer.pin("intermediate"), TestServer.pin("root")),
            error.fields["chainPins"],
        )
        assertEquals(false, ((f.events.single().second as Map<*, *>)["body"] as Map<*, *>)["allowed"])
        assertEquals(mapOf("clients" to 1, "calls" to 0), f.host.openHandles(), "the failed call was released")
    }

    @Test
    fun `a misspelt argument, arguments that are not a map, and an unknown method are refused`() {
        val typo = f.failing("createClient", clientArgs("callTimeoutMS" to 5))
        assertEquals("BadMessage", typo.code)
        assertTrue(typo.message!!.contains("unknown argument callTimeoutMS"), typo.message)
        assertEquals("BadMessage", f.failing("execute", listOf(1)).code)
        val client = f.ok("createClient", clientArgs()).getValue("client")
        assertEquals("BadMessage", f.failing("newCall", mapOf("client" to client, "url" to 42)).code, "a mistyped argument")
        assertEquals(Answer.NotImplemented, f.call("fetch", emptyMap<String, Any?>()))
        assertEquals(mapOf("clients" to 1, "calls" to 0), f.ok("openHandles", null), "no arguments at all is fine")
    }

    @Test
    fun `cancel during a slow body ends the pending read with Cancelled and closes the connection`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        val client = f.ok("createClient", clientArgs("http1Only" to true)).getValue("client")
        val before = establishedConnectionsTo(port)
        val call = newCall(client, "/slow-body", server = "http1")
        f.ok("execute", mapOf("call" to call))
        assertEquals("first", (f.ok("readChunk", mapOf("call" to call))["chunk"] as ByteArray).decodeToString())
        val pending = RecordingReply()
        f.host.onMethodCall("readChunk", mapOf("call" to call), pending)
        delay(300)
        assertFalse(pending.answer.isDone)
        assertEquals(true, f.ok("cancel", mapOf("call" to call))["cancelled"])
        assertEquals("Cancelled", (pending.get() as Answer.Error).code)
        assertEquals(f.platformThread, pending.thread)
        assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before })
        assertEquals(false, f.ok("cancel", mapOf("call" to call))["cancelled"], "a second cancel finds nothing")
    }

    @Test
    fun `with no listener pin events are dropped, and close() ends every client and call`() {
        f.host.cancelListen()
        val client = f.ok("createClient", clientArgs("pins" to mapOf(TestServer.host to listOf(TestServer.pin("root"), TestServer.pin("evil_root")))))
            .getValue("client")
        val call = newCall(client, "/version")
        f.ok("execute", mapOf("call" to call))
        assertEquals(emptyList<Pair<String, Any?>>(), f.events.toList())
        newCall(client, "/")
        assertEquals(mapOf("clients" to 1, "calls" to 2), f.host.openHandles())
        f.host.close()
        assertEquals(mapOf("clients" to 0, "calls" to 0), f.host.openHandles())
        assertEquals("Closed", f.failing("createClient", clientArgs()).code)
    }
}
