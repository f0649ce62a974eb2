package dev.pinwire

import java.net.InetAddress
import java.net.ServerSocket
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The three timeouts reach Kotlin as three exception types a caller can tell apart. */
class TimeoutTest {
    private val host = TestServer.host

    @Test
    fun `a TLS handshake that never answers is a ConnectTimeoutException`() = runBlocking<Unit> {
        // The kernel completes the TCP handshake into the backlog; nobody ever answers the ClientHello.
        ServerSocket(0, 5, InetAddress.getLoopbackAddress()).use { silent ->
            testClient { connectTimeout(java.time.Duration.ofMillis(300)) }.use { client ->
                val url = "https://$host:${silent.localPort}/"
                val mark = TimeSource.Monotonic.markNow()
                val e = assertThrows<ConnectTimeoutException> { client.execute(Request.get(url)) }
                assertTrue(mark.elapsedNow() < 5.seconds)
                assertEquals(TimeoutKind.CONNECT, e.kind)
                assertEquals(url, e.url)
                assertEquals("connect timeout for $url", e.message)
            }
        }
    }

    @Test
    fun `a server that sends nothing is a ReadTimeoutException`() = runBlocking<Unit> {
        testClient { readTimeout(300.milliseconds) }.use { client ->
            val e = assertThrows<ReadTimeoutException> { client.execute(Request.get(TestServer.url("good", "/stall"))) }
            assertEquals(TimeoutKind.READ, e.kind)
            assertTrue(e.message!!.startsWith("read timeout"), e.message)
        }
    }

    @Test
    fun `a body that stops mid-way is a ReadTimeoutException from the read`() = runBlocking<Unit> {
        testClient { readTimeout(300.milliseconds) }.use { client ->
            client.execute(Request.get(TestServer.url("good", "/slow-body"))).use { response ->
                assertEquals("first", response.chunk()!!.decodeToString())
                assertThrows<ReadTimeoutException> { response.chunk() }
            }
        }
    }

    @Test
    fun `a call longer than the call timeout is a CallTimeoutException`() = runBlocking<Unit> {
        testClient { callTimeout(300.milliseconds) }.use { client ->
            val mark = TimeSource.Monotonic.markNow()
            val e = assertThrows<CallTimeoutException> { client.execute(Request.get(TestServer.url("good", "/stall"))) }
            assertTrue(mark.elapsedNow() < 5.seconds)
            assertEquals(TimeoutKind.CALL, e.kind)
            assertTrue(e.message!!.startsWith("call timeout"), e.message)
        }
    }

    @Test
    fun `a listener that sleeps in handshakes stalls neither other clients nor their call timeouts`() = runBlocking<Unit> {
        // Three handshakes whose listener sleeps 5 s: more than the runtime's two async workers.
        val slow = testClient {
            http1Only()
            add(host, TestServer.pin("root"), TestServer.pin("evil_root"))
            listener { Thread.sleep(5_000) }
        }
        val other = testClient { callTimeout(1.seconds) }
        try {
            val sleeping = (1..3).map {
                Thread { runCatching { slow.executeBlocking(Request.get(TestServer.url("good"))).close() } }
                    .apply { isDaemon = true; start() }
            }
            Thread.sleep(300) // the three handshakes are in the listener
            val mark = TimeSource.Monotonic.markNow()
            other.execute(Request.get(TestServer.url("good"))).close()
            assertThrows<CallTimeoutException> { other.execute(Request.get(TestServer.url("good", "/stall"))) }
            val elapsed = mark.elapsedNow()
            assertTrue(elapsed < 2500.milliseconds, "another client's request and 1 s call timeout took $elapsed")
            sleeping.forEach { it.join(10_000) }
        } finally {
            other.close()
            slow.close()
        }
    }

    @Test
    fun `a request's own call timeout overrides the client's`() = runBlocking<Unit> {
        testClient().use { client ->
            val request = Request(TestServer.url("good", "/slow-body")) { callTimeout(300.milliseconds) }
            // The head arrives; the call timeout then ends the body read.
            client.execute(request).use { response ->
                assertEquals("first", response.chunk()!!.decodeToString())
                assertThrows<CallTimeoutException> { response.chunk() }
            }
        }
    }
}
