package dev.pinwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Transparent decompression through the Kotlin API: gzip, brotli and zstd, the switches, the bomb bound. */
class CompressionTest {
    private val size = 300_000

    /** The test server's `/pattern` body: byte `i` is `i % 251`. */
    private fun pattern(n: Int) = ByteArray(n) { (it % 251).toByte() }

    @Test
    fun `gzip, brotli and zstd bodies are decoded and lose their encoding headers`() = runBlocking<Unit> {
        testClient().use { client ->
            for (coding in listOf("gzip", "br", "zstd")) {
                client.execute(Request.get(TestServer.url("good", "/compressed/$size?coding=$coding"))).use { response ->
                    assertNull(response.headers["content-encoding"], coding)
                    assertNull(response.headers["content-length"], coding)
                    assertEquals("$size", response.headers["x-decoded-length"])
                    assertArrayEquals(pattern(size), response.bytes(), coding)
                }
            }
        }
    }

    @Test
    fun `decompression is off per client and per request`() = runBlocking<Unit> {
        val url = TestServer.url("good", "/compressed/1000")
        testClient { decompress(false) }.use { client ->
            // No Accept-Encoding went out, so the body came as it is.
            client.execute(Request.get(url)).use { response ->
                assertNull(response.headers["content-encoding"])
                assertEquals("1000", response.headers["content-length"])
                assertArrayEquals(pattern(1000), response.bytes())
            }
            val decoded = Request(url) { decompress(true) }
            client.execute(decoded).use { response ->
                assertNull(response.headers["content-length"])
                assertArrayEquals(pattern(1000), response.bytes())
            }
        }
        testClient().use { client ->
            // The caller asks for zstd itself: it gets the compressed bytes and the headers that describe them.
            val raw = Request(url) { header("accept-encoding", "zstd"); decompress(false) }
            client.execute(raw).use { response ->
                assertEquals("zstd", response.headers["content-encoding"])
                val body = response.bytes()
                assertEquals(response.headers["content-length"], body.size.toString())
                assertTrue(body.size < 1000, "compressed: ${body.size} bytes")
            }
        }
    }

    @Test
    fun `a brotli bomb is refused with DecodedBodyTooLargeException`() = runBlocking<Unit> {
        testClient().use { client ->
            client.execute(Request.get(TestServer.url("good", "/bomb/br"))).use { response ->
                val e = assertThrows<DecodedBodyTooLargeException> { response.bytes() }
                assertTrue(e.decodedBytes in (1L shl 20)..(64L shl 20), "decoded ${e.decodedBytes}")
                assertTrue(e.compressedBytes < 64 * 1024, "compressed ${e.compressedBytes}")
                assertTrue(e.message!!.contains("exceeds the bound"), e.message)
            }
        }
    }

    @Test
    fun `a size cap refuses a gzip bomb early`() = runBlocking<Unit> {
        testClient { maxDecodedSize(maxSize = 256 * 1024) }.use { client ->
            client.execute(Request.get(TestServer.url("good", "/bomb/gzip"))).use { response ->
                val e = assertThrows<DecodedBodyTooLargeException> { response.bytes() }
                assertTrue(e.decodedBytes in (256L * 1024 + 1)..(256L * 1024 + 16 * 1024), "decoded ${e.decodedBytes}")
            }
        }
    }
}
