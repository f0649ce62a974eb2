package dev.pinwire

import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Cancelling a coroutine must really cancel: `execute` cancels the call's token, and a cancelled body read
 * discards the body, which closes the connection. Proved by watching this process's own sockets in /proc.
 */
class CancellationTest {
    private val port = TestServer.port("http1") // HTTP/1.1: one request, one connection

    @Test
    fun `cancelling a stalled call returns promptly, closes its connection, and the client still works`() = runBlocking<Unit> {
        testClient { http1Only() }.use { client ->
            val before = establishedConnectionsTo(port)
            val thrown = AtomicReference<Throwable>()
            val job = launch(Dispatchers.Default) {
                try {
                    client.execute(Request.get(TestServer.url("http1", "/stall")))
                } catch (t: Throwable) {
                    thrown.set(t)
                    throw t
                }
            }
            assertTrue(eventually { establishedConnectionsTo(port) == before + 1 }, "the stalled call connects")
            delay(300)
            assertEquals(before + 1, establishedConnectionsTo(port), "still stalled on its connection")
            val mark = TimeSource.Monotonic.markNow()
            job.cancel()
            job.join()
            val took = mark.elapsedNow()
            assertTrue(took < 1.seconds, "cancellation took $took")
            assertInstanceOf(CancellationException::class.java, thrown.get())
            assertTrue(
                eventually(2.seconds) { establishedConnectionsTo(port) == before },
                "the stalled connection is closed after cancellation",
            )
            client.execute(Request.get(TestServer.url("http1", "/version"))).use {
                assertEquals("HTTP/1.1", it.string())
            }
        }
    }

    @Test
    fun `withTimeout around execute cancels the call with TimeoutCancellationException, not a PinwireException`() = runBlocking<Unit> {
        testClient { http1Only() }.use { client ->
            val before = establishedConnectionsTo(port)
            val mark = TimeSource.Monotonic.markNow()
            val e = assertThrows<CancellationException> {
                withTimeout(300.milliseconds) { client.execute(Request.get(TestServer.url("http1", "/stall"))) }
            }
            assertEquals("TimeoutCancellationException", e.javaClass.simpleName)
            assertTrue(mark.elapsedNow() < 1.seconds)
            assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before })
        }
    }

    @Test
    fun `cancelling a body read closes the connection`() = runBlocking<Unit> {
        testClient { http1Only() }.use { client ->
            val before = establishedConnectionsTo(port)
            val response = client.execute(Request.get(TestServer.url("http1", "/slow-body")))
            assertEquals("first", response.chunk()!!.decodeToString())
            val reader = launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { response.chunk() }
            delay(300)
            assertEquals(before + 1, establishedConnectionsTo(port))
            reader.cancel()
            reader.join()
            // The body was discarded with the read: the connection closes before the response does.
            assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before }, "the connection closes")
            assertThrows<ClosedException> { response.chunk() }
            response.close()
        }
    }

    @Test
    fun `closeBody during a body read ends the read and closes the connection`() = runBlocking<Unit> {
        testClient { http1Only() }.use { client ->
            val before = establishedConnectionsTo(port)
            val response = client.execute(Request.get(TestServer.url("http1", "/slow-body")))
            assertEquals("first", response.chunk()!!.decodeToString())
            val reader = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                runCatching { response.chunk() }
            }
            delay(300)
            assertEquals(before + 1, establishedConnectionsTo(port))
            response.closeBody()
            val outcome = withTimeout(5.seconds) { reader.await() }
            val e = outcome.exceptionOrNull()
            assertTrue(e is ClosedException, "the read in flight ends with ClosedException, not $outcome")
            assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before }, "the connection closes")
            response.close()
        }
    }

    @Test
    fun `Call cancel from another thread stops a blocking call with CancellationException`() {
        testClient { http1Only() }.use { client ->
            val before = establishedConnectionsTo(port)
            val call = client.newCall(Request.get(TestServer.url("http1", "/stall")))
            val canceller = Executors.newSingleThreadScheduledExecutor()
            try {
                canceller.schedule({ call.cancel() }, 300, java.util.concurrent.TimeUnit.MILLISECONDS)
                val mark = TimeSource.Monotonic.markNow()
                assertThrows<CancellationException> { call.executeBlocking() }
                assertTrue(mark.elapsedNow() < 1.seconds + 300.milliseconds)
                assertTrue(call.isCanceled)
            } finally {
                canceller.shutdownNow()
            }
            runBlocking { assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before }) }
        }
    }
}
