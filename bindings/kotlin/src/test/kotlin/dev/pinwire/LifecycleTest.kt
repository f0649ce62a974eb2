package dev.pinwire

import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Native objects are Closeable; closing twice is harmless; use after close is a ClosedException. */
class LifecycleTest {
    @Test
    fun `a client closed twice is harmless, closes its idle connections, and using it afterwards is a ClosedException`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        val before = establishedConnectionsTo(port)
        val client = testClient()
        client.execute(Request.get(TestServer.url("http1"))).use { assertEquals("hello from http1", it.string()) }
        assertEquals(before + 1, establishedConnectionsTo(port), "the idle connection stays in the pool")
        assertFalse(client.isClosed)
        client.close()
        client.close()
        assertTrue(client.isClosed)
        assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) == before }, "close() closes idle connections")
        val e = assertThrows<ClosedException> { client.execute(Request.get(TestServer.url("good"))) }
        assertEquals("client", e.what)
    }

    @Test
    fun `a response closed twice is harmless, and reading it afterwards is a ClosedException`() = runBlocking<Unit> {
        testClient().use { client ->
            val response = client.execute(Request.get(TestServer.url("good", "/bytes/1000000")))
            assertEquals(200, response.status)
            response.close()
            response.close()
            response.closeBody() // after close: nothing to do
            assertThrows<ClosedException> { response.bytes() }
            assertThrows<ClosedException> { response.chunk() }
            assertEquals(200, response.status)
        }
    }

    @Test
    fun `a response stays readable after its client is closed`() = runBlocking<Unit> {
        val client = testClient()
        val response = client.execute(Request.get(TestServer.url("good", "/bytes/300000")))
        client.close()
        assertEquals(300_000, response.bytes().size)
        response.close()
    }

    @Test
    fun `a closed byteStream closes the body`() = runBlocking<Unit> {
        testClient().use { client ->
            client.execute(Request.get(TestServer.url("good", "/bytes/1000000"))).use { response ->
                val stream = response.byteStream()
                assertEquals('x'.code, stream.read())
                stream.close()
                val e = assertThrows<ClosedException> { response.chunk() }
                assertEquals("response body", e.what)
            }
        }
    }
}
