package dev.pinwire

import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Bodies are read incrementally: memory stays at one chunk, however large the body. */
class StreamingTest {
    private val size = 32 * 1024 * 1024

    @Test
    fun `a 32 MiB body collected as a Flow arrives in small chunks`() = runBlocking<Unit> {
        testClient().use { client ->
            client.execute(Request.get(TestServer.url("good", "/bytes/$size"))).use { response ->
                var total = 0L
                var chunks = 0
                var largest = 0
                var allX = true
                response.bodyFlow().collect { chunk ->
                    total += chunk.size
                    chunks++
                    largest = maxOf(largest, chunk.size)
                    allX = allX && chunk.all { it == 'x'.code.toByte() }
                }
                assertEquals(size.toLong(), total)
                assertTrue(allX)
                assertTrue(largest <= 256 * 1024, "largest chunk $largest bytes")
                assertTrue(chunks >= size / (256 * 1024), "$chunks chunks")
            }
        }
    }

    @Test
    fun `an InputStream hands over the first MiB before the server sends the rest`() = runBlocking<Unit> {
        // /gated sends 1 MiB, then waits for /open-gate: a client that buffered the whole body before handing
        // any of it over could never send that request, and the read timeout would end the test.
        testClient { readTimeout(20.seconds) }.use { client ->
            val response = client.execute(Request.get(TestServer.url("good", "/gated/$size")))
            val total = withContext(Dispatchers.IO) {
                response.byteStream().use { stream ->
                    val head = stream.readNBytes(1024 * 1024)
                    assertEquals(1024 * 1024, head.size)
                    runBlocking {
                        client.execute(Request.get(TestServer.url("good", "/open-gate"))).use {
                            assertEquals("gate open", it.string())
                        }
                    }
                    var rest = 0L
                    val buffer = ByteArray(8192)
                    while (true) {
                        val n = stream.read(buffer)
                        if (n < 0) break
                        rest += n
                    }
                    head.size + rest
                }
            }
            assertEquals(size.toLong(), total)
            response.close()
        }
    }

    @Test
    fun `bytes and string read the whole body`() = runBlocking<Unit> {
        testClient().use { client ->
            client.execute(Request.get(TestServer.url("good", "/bytes/100000"))).use { response ->
                val body = response.bytes()
                assertEquals(100_000, body.size)
            }
            client.execute(Request.get(TestServer.url("good", "/version"))).use { response ->
                assertEquals("HTTP/2.0", response.string())
            }
        }
    }

    @Test
    fun `every byte arrives once and in order, from the piece that came with the headers to the end`() =
        runBlocking<Unit> {
            testClient().use { client ->
                for (size in listOf(10, 70_000, 1_000_000)) {
                    val url = TestServer.url("good", "/pattern/$size")
                    client.execute(Request.get(url)).use { response ->
                        var offset = 0
                        while (true) {
                            val chunk = response.chunk() ?: break
                            assertTrue(chunk.isNotEmpty())
                            chunk.forEachIndexed { i, b ->
                                assertEquals(((offset + i) % 251).toByte(), b, "byte ${offset + i}")
                            }
                            offset += chunk.size
                        }
                        assertEquals(size, offset)
                        assertEquals(null, response.chunk(), "the end stays the end")
                    }
                    client.execute(Request.get(url)).use { response ->
                        val body = response.bytes()
                        assertEquals(size, body.size)
                        assertTrue(body.withIndex().all { (i, b) -> b == (i % 251).toByte() })
                    }
                }
            }
        }
}
