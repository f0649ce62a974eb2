package dev.pinwire.bridge

import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import dev.pinwire.eventually
import java.util.Collections
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The host bridge against the real test server: plain messages in, plain messages or typed errors out. */
class BridgeTest {
    private val host = TestServer.host
    private val noHandles = mapOf("clients" to 0, "calls" to 0)

    private fun bridgeWithEvents(): Pair<PinwireBridge, MutableList<Map<String, Any?>>> {
        val events = Collections.synchronizedList(mutableListOf<Map<String, Any?>>())
        return PinwireBridge { name, body -> if (name == BridgeEvents.PIN_EVENT) events += body } to events
    }

    private suspend fun PinwireBridge.get(client: Any?, url: String): Pair<Map<String, Any?>, ByteArray> {
        val call = call(BridgeMethods.NEW_CALL, callArgs(client, url))["call"]
        val head = call(BridgeMethods.EXECUTE, mapOf("call" to call))
        return head to readAll(::call, call)
    }

    @Test
    fun `a pinned request succeeds, forwards its pin event and releases its call`() = runBlocking<Unit> {
        val (bridge, events) = bridgeWithEvents()
        bridge.use {
            val client = bridge.call(
                BridgeMethods.CREATE_CLIENT,
                pinnedClientArgs(TestServer.pin("intermediate"), TestServer.pin("evil_root")),
            )["client"]
            assertEquals(1, client)
            val (head, body) = bridge.get(client, TestServer.url("good", "/version"))
            assertEquals(200, head["status"])
            assertEquals("HTTP/2.0", head["version"])
            assertEquals(TestServer.url("good", "/version"), head["url"])
            @Suppress("UNCHECKED_CAST")
            val headers = head["headers"] as List<List<String>>
            assertTrue(headers.all { it.size == 2 } && headers.any { it[0] == "content-length" && it[1] == "8" }, "$headers")
            assertEquals("HTTP/2.0", body.decodeToString())
            assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles())

            val event = events.single()
            assertEquals(client, event["client"])
            assertEquals(host, event["host"])
            assertEquals(TestServer.port("good"), event["port"])
            assertEquals("matched", event["outcome"])
            assertEquals(TestServer.pin("intermediate"), event["matchedPin"])
            assertEquals(true, event["allowed"])
            assertEquals(true, event["enforced"])
            assertEquals(listOf(TestServer.pin("leaf"), TestServer.pin("intermediate"), TestServer.pin("root")), event["chainPins"])

            assertEquals(mapOf("closed" to true), bridge.call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client)))
            assertEquals(noHandles, bridge.openHandles())
        }
    }

    @Test
    fun `a pin mismatch is a PinMismatch message with every field`() = runBlocking<Unit> {
        val (bridge, events) = bridgeWithEvents()
        bridge.use {
            val expected = listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root"))
            val client = bridge.call(BridgeMethods.CREATE_CLIENT, pinnedClientArgs(*expected.toTypedArray()))["client"]
            val call = bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good")))["call"]
            val e = assertThrows<BridgeException> { bridge.call(BridgeMethods.EXECUTE, mapOf("call" to call)) }
            assertEquals(BridgeErrorCodes.PIN_MISMATCH, e.code)
            val message = e.toMessage()
            assertEquals("PinMismatch", message["code"])
            assertTrue((message["message"] as String).startsWith("Certificate pinning failure!"), e.message)
            assertEquals(host, message["host"])
            assertEquals(TestServer.port("good"), message["port"])
            assertEquals(host, message["pattern"])
            assertEquals(expected.sorted(), (message["expectedPins"] as List<*>).map { it as String }.sorted(), "a set")
            assertEquals(listOf(TestServer.pin("leaf"), TestServer.pin("intermediate"), TestServer.pin("root")), message["chainPins"])
            assertEquals(3, (message["chainSubjects"] as List<*>).size)
            assertTrue((message["chainSubjects"] as List<*>).last().toString().contains("Test Root"), "${message["chainSubjects"]}")
            assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles(), "the failed call was released")
            assertEquals("mismatch", events.single()["outcome"])
            assertEquals(false, events.single()["allowed"])
        }
    }

    @Test
    fun `an untrusted chain is an UntrustedCertificate message with its reason`() = runBlocking<Unit> {
        PinwireBridge().use { bridge ->
            val client = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
            val call = bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("untrusted")))["call"]
            val e = assertThrows<BridgeException> { bridge.call(BridgeMethods.EXECUTE, mapOf("call" to call)) }
            assertEquals(BridgeErrorCodes.UNTRUSTED_CERTIFICATE, e.code)
            assertEquals(host, e.fields["host"])
            assertEquals("unknownIssuer", e.fields["reason"])
            assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles())
        }
    }

    @Test
    fun `cancel during a slow body ends the pending read, closes the connection and releases the call`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        PinwireBridge().use { bridge ->
            val client = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs("http1Only" to true))["client"]
            val before = establishedConnectionsTo(port)
            val call = bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("http1", "/slow-body")))["call"]
            assertEquals(200, bridge.call(BridgeMethods.EXECUTE, mapOf("call" to call))["status"])
            val first = bridge.call(BridgeMethods.READ_CHUNK, mapOf("call" to call))["chunk"] as ByteArray
            assertEquals("first", first.decodeToString())
            val pending = async(Dispatchers.Default) { runCatching { bridge.send(BridgeMethods.READ_CHUNK, mapOf("call" to call)) } }
            delay(300)
            assertFalse(pending.isCompleted, "the server stalls after the first chunk")
            assertEquals(before + 1, establishedConnectionsTo(port))
            val mark = TimeSource.Monotonic.markNow()
            assertEquals(mapOf("cancelled" to true), bridge.call(BridgeMethods.CANCEL, mapOf("call" to call)))
            val e = withTimeout(2.seconds) { pending.await() }.exceptionOrNull() as BridgeException
            assertTrue(mark.elapsedNow() < 1.seconds)
            assertEquals(BridgeErrorCodes.CANCELLED, e.code)
            assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before }, "the connection is closed")
            assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles())
            assertEquals(mapOf("cancelled" to false), bridge.call(BridgeMethods.CANCEL, mapOf("call" to call)))
            val gone = assertThrows<BridgeException> { bridge.call(BridgeMethods.READ_CHUNK, mapOf("call" to call)) }
            assertEquals(BridgeErrorCodes.UNKNOWN_HANDLE, gone.code)
            assertEquals("call", gone.fields["kind"])
        }
    }

    @Test
    fun `cancel before the response head ends execute with Cancelled`() = runBlocking<Unit> {
        PinwireBridge().use { bridge ->
            val client = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
            val call = bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good", "/stall")))["call"]
            val pending = async(Dispatchers.Default) { runCatching { bridge.send(BridgeMethods.EXECUTE, mapOf("call" to call)) } }
            delay(300)
            bridge.call(BridgeMethods.CANCEL, mapOf("call" to call))
            val e = withTimeout(2.seconds) { pending.await() }.exceptionOrNull() as BridgeException
            assertEquals(BridgeErrorCodes.CANCELLED, e.code)
            assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles())
        }
    }

    @Test
    fun `closeClient releases its calls, in flight or not, and errors leave no handle behind`() = runBlocking<Unit> {
        PinwireBridge().use { bridge ->
            val client = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
            val unread = bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good", "/bytes/1000000")))["call"]
            bridge.call(BridgeMethods.EXECUTE, mapOf("call" to unread))
            bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good")))
            val stalled = bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good", "/stall")))["call"]
            val inFlight = async(Dispatchers.Default) { runCatching { bridge.send(BridgeMethods.EXECUTE, mapOf("call" to stalled)) } }
            delay(200)
            assertEquals(mapOf("clients" to 1, "calls" to 3), bridge.openHandles())
            assertEquals(mapOf("closed" to true), bridge.call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client)))
            assertEquals(noHandles, bridge.openHandles())
            assertEquals(BridgeErrorCodes.CANCELLED, (withTimeout(2.seconds) { inFlight.await() }.exceptionOrNull() as BridgeException).code)
            assertEquals(mapOf("closed" to false), bridge.call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client)))
            val closed = assertThrows<BridgeException> { bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good"))) }
            assertEquals(BridgeErrorCodes.UNKNOWN_HANDLE, closed.code)

            // Every kind of failure, each leaving the table as it was.
            val live = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
            val failures = listOf(
                BridgeErrorCodes.INVALID_CONFIG to (BridgeMethods.CREATE_CLIENT to pinnedClientArgs(TestServer.pin("leaf"))),
                BridgeErrorCodes.INVALID_CONFIG to (BridgeMethods.CREATE_CLIENT to clientArgs("config" to "{ not json")),
                BridgeErrorCodes.BAD_MESSAGE to (BridgeMethods.CREATE_CLIENT to clientArgs("readTimeoutMs" to "soon")),
                BridgeErrorCodes.BAD_MESSAGE to (BridgeMethods.CREATE_CLIENT to clientArgs("connectTimeoutMs" to 1.5)),
                BridgeErrorCodes.BAD_MESSAGE to (BridgeMethods.NEW_CALL to mapOf("client" to live)),
                BridgeErrorCodes.BAD_MESSAGE to (BridgeMethods.NEW_CALL to callArgs(live, TestServer.url("good"), headers = listOf(listOf("x")))),
                BridgeErrorCodes.BAD_MESSAGE to (BridgeMethods.NEW_CALL to callArgs(live, TestServer.url("good"), body = "not base64!")),
                BridgeErrorCodes.BAD_MESSAGE to ("teleport" to emptyMap()),
                BridgeErrorCodes.UNKNOWN_HANDLE to (BridgeMethods.EXECUTE to mapOf("call" to 999)),
                BridgeErrorCodes.BAD_MESSAGE to (BridgeMethods.EXECUTE to mapOf("call" to -1)),
            )
            for ((code, message) in failures) {
                val e = assertThrows<BridgeException>("${message.first} ${message.second}") { bridge.call(message.first, message.second) }
                assertEquals(code, e.code, "${message.first}: ${e.message}")
                assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles(), "after ${message.first}: ${e.message}")
            }
            for ((code, url) in listOf(
                BridgeErrorCodes.INVALID_URL to "ftp://$host/",
                BridgeErrorCodes.CLEARTEXT_NOT_PERMITTED to "http://$host:${TestServer.port("good")}/",
                BridgeErrorCodes.CONNECT to "https://$host:1/",
            )) {
                val call = bridge.call(BridgeMethods.NEW_CALL, callArgs(live, url))["call"]
                val e = assertThrows<BridgeException> { bridge.call(BridgeMethods.EXECUTE, mapOf("call" to call)) }
                assertEquals(code, e.code, e.message)
                assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles(), "after $url")
            }
            bridge.call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to live))
            assertEquals(noHandles, bridge.openHandles())
        }
    }

    @Test
    fun `32 concurrent calls through the asynchronous entry point`() = runBlocking<Unit> {
        PinwireBridge().use { bridge ->
            val client = bridge.send(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
            val bodies = (0 until 32).map { i ->
                async(Dispatchers.Default) {
                    val size = 10_000 + i
                    val call = bridge.send(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good", "/pattern/$size")))["call"]
                    assertEquals(200, bridge.send(BridgeMethods.EXECUTE, mapOf("call" to call))["status"])
                    size to readAll(bridge::send, call)
                }
            }.awaitAll()
            for ((size, body) in bodies) {
                assertEquals(size, body.size)
                assertTrue(body.withIndex().all { (i, b) -> b == (i % 251).toByte() })
            }
            assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles())
        }
    }

    @Test
    fun `a 32 MiB body is streamed in chunks of at most 256 KiB`() = runBlocking<Unit> {
        val size = 32 * 1024 * 1024
        PinwireBridge().use { bridge ->
            val client = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
            val call = bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good", "/bytes/$size")))["call"]
            bridge.call(BridgeMethods.EXECUTE, mapOf("call" to call))
            var total = 0L
            var chunks = 0
            var largest = 0
            var allX = true
            while (true) {
                val answer = bridge.call(BridgeMethods.READ_CHUNK, mapOf("call" to call))
                val chunk = answer["chunk"] as ByteArray? ?: break
                assertTrue(chunk.isNotEmpty())
                total += chunk.size
                chunks++
                largest = maxOf(largest, chunk.size)
                allX = allX && chunk.all { it == 'x'.code.toByte() }
            }
            assertEquals(size.toLong(), total)
            assertTrue(allX)
            assertTrue(largest <= 256 * 1024, "largest chunk $largest")
            assertTrue(chunks >= size / (256 * 1024), "$chunks chunks")
            assertEquals(mapOf("clients" to 1, "calls" to 0), bridge.openHandles())
        }
    }

    @Test
    fun `request bodies come as bytes or as base64 text, headers as ordered pairs`() = runBlocking<Unit> {
        PinwireBridge().use { bridge ->
            val client = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
            for (body in listOf<Any>("hello".encodeToByteArray(), "aGVsbG8=")) {
                val call = bridge.call(
                    BridgeMethods.NEW_CALL,
                    callArgs(client, TestServer.url("good", "/echo"), "post", listOf(listOf("x-test", "a"), listOf("X-Test", "b")), body),
                )["call"]
                bridge.call(BridgeMethods.EXECUTE, mapOf("call" to call))
                // The server echoes the first x-test line: both were sent, in order.
                assertEquals("POST x-test=a body=5", readAll(bridge::call, call).decodeToString())
            }
        }
    }

    @Test
    fun `after close the bridge holds nothing`() = runBlocking<Unit> {
        val bridge = PinwireBridge()
        val client = bridge.call(BridgeMethods.CREATE_CLIENT, clientArgs())["client"]
        bridge.call(BridgeMethods.NEW_CALL, callArgs(client, TestServer.url("good")))
        bridge.close()
        assertEquals(noHandles, bridge.openHandles())
        // A host message after close is answered, not dropped: a promise left pending would hang the app.
        val late = assertThrows<BridgeException> { withTimeout(2.seconds) { bridge.send(BridgeMethods.OPEN_HANDLES) } }
        assertEquals(BridgeErrorCodes.CLOSED, late.code)
    }
}
