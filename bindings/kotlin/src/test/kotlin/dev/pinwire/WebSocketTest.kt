package dev.pinwire

import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** WebSockets against the test server's echo, over the pinned chain, the impostor chain and cleartext. */
class WebSocketTest {
    private val host = TestServer.host

    private fun session() = "kt-${UUID.randomUUID()}"

    private fun wsUrl(server: String, path: String, scheme: String = "wss") = "$scheme://$host:${TestServer.port(server)}$path"

    /** What the echo saw of session [id] once it ended: `closed <code> <reason>` or `dropped`. */
    private suspend fun endState(id: String): String {
        testClient().use { reader ->
            repeat(250) {
                val state = reader.execute(Request.get(TestServer.url("http1", "/ws-state/$id"))).use { it.string() }
                if (state != "open" && state != "no such session") return state
                delay(20)
            }
        }
        error("session $id did not end")
    }

    @Test
    fun `text and binary are echoed over the pinned chain and close sends its code`() = runBlocking<Unit> {
        val events = CopyOnWriteArrayList<PinEvent>()
        val id = session()
        testClient {
            add(host, TestServer.pin("intermediate"), TestServer.pin("evil_root"))
            listener { events += it }
        }.use { client ->
            val socket = client.webSocket(wsUrl("good", "/ws/$id"))
            socket.send("héllo")
            socket.send(byteArrayOf(0, 1, 2, -1))
            val echoed = socket.messages.take(2).toList()
            assertEquals(listOf(WebSocketMessage.Text("héllo"), WebSocketMessage.Binary(byteArrayOf(0, 1, 2, -1))), echoed)
            socket.close(4000, "bye")
            assertEquals("closed 4000 bye", endState(id))
            assertNull(socket.receive(), "closed by the handshake")
            assertTrue(socket.isClosed)
        }
        val event = events.single()
        assertEquals(PinOutcome.MATCHED, event.outcome)
        assertEquals(TestServer.port("good"), event.port)
    }

    @Test
    fun `the impostor chain is refused with a PinMismatchException, an event and a report`() = runBlocking<Unit> {
        val events = CopyOnWriteArrayList<PinEvent>()
        val collector = TestServer.url("http1", "/collect")
        testClient {
            trustedRootsPem(TestServer.rootPem("evil")) // the impostor's CA is trusted: only the pins catch it
            add(host, TestServer.pin("intermediate"), TestServer.pin("root"))
            listener { events += it }
            reporting(AppIdentity("dev.pinwire.kotlin-ws", "1", "vendor-kt-ws", "JVM", "17"), mapOf(host to collector))
        }.use { client ->
            val e = assertThrows<PinMismatchException> { client.webSocket(wsUrl("impostor", "/ws/${session()}")) }
            assertEquals(host, e.host)
            assertEquals(TestServer.port("impostor"), e.port)
            assertEquals(listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")), e.chainPins)
        }
        assertEquals(PinOutcome.MISMATCH, events.single().outcome)
        testClient().use { reader ->
            val arrived = eventually(5.seconds) {
                runBlocking {
                    reader.execute(Request.get(TestServer.url("http1", "/collected"))).use { it.string() }
                }.contains("vendor-kt-ws")
            }
            assertTrue(arrived, "the failure report reached the collector")
        }
    }

    @Test
    fun `cancelling the collecting coroutine cancels the socket`() = runBlocking<Unit> {
        val id = session()
        testClient { add(host, TestServer.pin("leaf"), TestServer.pin("evil_root")) }.use { client ->
            val socket = client.webSocket(wsUrl("good", "/ws/$id"))
            val received = CopyOnWriteArrayList<WebSocketMessage>()
            val collecting = launch(start = CoroutineStart.UNDISPATCHED) { socket.messages.collect { received += it } }
            socket.send("one")
            assertTrue(eventually { received.isNotEmpty() })
            collecting.cancelAndJoin()
            assertEquals("dropped", endState(id), "the connection ended without a closing handshake")
            assertTrue(eventually { socket.isClosed })
        }
    }

    @Test
    fun `the server's close code ends the flow`() = runBlocking<Unit> {
        testClient { add(host, TestServer.pin("leaf"), TestServer.pin("evil_root")) }.use { client ->
            val socket = client.webSocket(wsUrl("good", "/ws/${session()}"))
            socket.send("before")
            socket.send("close 4001 done")
            val all = withTimeout(5.seconds) { socket.messages.toList() }
            assertEquals(listOf(WebSocketMessage.Text("before")), all)
            assertEquals(WebSocketCloseFrame(4001, "done"), socket.closeFrame)
        }
    }

    @Test
    fun `pings are answered both ways`() = runBlocking<Unit> {
        testClient { add(host, TestServer.pin("leaf"), TestServer.pin("evil_root")) }.use { client ->
            val socket = client.webSocket(wsUrl("good", "/ws/${session()}"))
            withTimeout(5.seconds) { socket.ping("hi".encodeToByteArray()) }
            socket.send("ping 7")
            assertEquals(WebSocketMessage.Text("pong 7"), socket.receive())
            assertThrows<InvalidConfigException> { socket.close(1005, "") }
            socket.close()
        }
    }

    @Test
    fun `ws is cleartext and follows the policy`() = runBlocking<Unit> {
        val url = wsUrl("plain", "/ws/${session()}", scheme = "ws")
        testClient().use { client ->
            val e = assertThrows<CleartextNotPermittedException> { client.webSocket(url) }
            assertEquals(host, e.host)
        }
        testClient { cleartextPermittedByDefault(true) }.use { client ->
            val socket = client.webSocket(WebSocketRequest.Builder(url).protocol("chat").build())
            assertEquals("chat", socket.protocol)
            socket.send("plain")
            assertEquals(WebSocketMessage.Text("plain"), socket.receive())
            socket.cancel()
            assertTrue(socket.messages.toList().isEmpty(), "a cancelled socket's flow completes")
        }
    }
}
