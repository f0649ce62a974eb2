package dev.pinwire

import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Servers that misbehave (the test server's `fault-*` ports): each fault reaches Kotlin as its typed
 * exception, within the timeouts, and the client keeps working afterwards.
 */
class FaultsTest {
    /** Where the failure surfaced: before the response came back, or while reading its body. */
    private enum class Stage { REQUEST, BODY }

    private fun client() = testClient {
        readTimeout(2.seconds)
        callTimeout(10.seconds)
    }

    /** Fetches [url] whole and returns the exception and where it was thrown; fails if nothing is thrown. */
    private suspend fun failure(client: PinwireClient, url: String): Pair<Stage, PinwireException> {
        val mark = TimeSource.Monotonic.markNow()
        val response = try {
            client.execute(Request.get(url))
        } catch (e: PinwireException) {
            assertTrue(mark.elapsedNow() < 8.seconds, "took ${mark.elapsedNow()}")
            return Stage.REQUEST to e
        }
        response.use {
            try {
                val body = it.bytes()
                throw AssertionError("$url succeeded with ${body.size} bytes")
            } catch (e: PinwireException) {
                assertTrue(mark.elapsedNow() < 8.seconds, "took ${mark.elapsedNow()}")
                return Stage.BODY to e
            }
        }
    }

    private fun fault(name: String, stage: Stage?) = runBlocking<Unit> {
        client().use { client ->
            val (at, e) = failure(client, TestServer.url("fault-$name"))
            assertTrue(e is ProtocolException, "$name: ${e::class.simpleName}: ${e.message}")
            assertEquals(TestServer.url("fault-$name"), (e as ProtocolException).url)
            if (stage != null) assertEquals(stage, at, "$name: ${e.message}")
            // The same client still works.
            client.execute(Request.get(TestServer.url("good", "/bytes/1000"))).use { response ->
                assertEquals(1000, response.bytes().size)
            }
        }
    }

    @Test
    fun `connection refused is a ConnectException`() = runBlocking<Unit> {
        client().use { client ->
            val (at, e) = failure(client, TestServer.url("refused"))
            assertEquals(Stage.REQUEST, at)
            assertTrue(e is ConnectException, "${e::class.simpleName}: ${e.message}")
        }
    }

    @Test
    fun `a reset before the response is a ProtocolException`() = fault("reset-before-response", Stage.REQUEST)

    @Test
    fun `a reset mid-body is a ProtocolException from the body read`() = fault("reset-mid-body", Stage.BODY)

    @Test
    fun `a body shorter than its Content-Length is a ProtocolException, not a short success`() =
        fault("short-body", Stage.BODY)

    @Test
    fun `a TLS alert mid-handshake is a ProtocolException`() = fault("tls-alert", Stage.REQUEST)

    @Test
    fun `garbage instead of TLS is a ProtocolException`() = fault("garbage", Stage.REQUEST)

    @Test
    fun `a 10 MiB header block is a ProtocolException`() = fault("huge-headers", Stage.REQUEST)

    @Test
    fun `HTTP2 GOAWAY mid-stream is a ProtocolException`() = fault("http2-goaway", null)

    @Test
    fun `HTTP2 RST_STREAM mid-stream is a ProtocolException from the body read`() = fault("http2-reset", Stage.BODY)

    @Test
    fun `stalls before the headers and mid-body are ReadTimeoutExceptions`() = runBlocking<Unit> {
        testClient { readTimeout(300.milliseconds) }.use { client ->
            val (first, stall) = failure(client, TestServer.url("good", "/stall"))
            assertEquals(Stage.REQUEST, first)
            assertTrue(stall is ReadTimeoutException, "${stall::class.simpleName}: ${stall.message}")
            val (second, slow) = failure(client, TestServer.url("good", "/slow-body"))
            assertEquals(Stage.BODY, second)
            assertTrue(slow is ReadTimeoutException, "${slow::class.simpleName}: ${slow.message}")
        }
    }

    @Test
    fun `a redirect loop is a TooManyRedirectsException`() = runBlocking<Unit> {
        testClient { maxRedirects(3) }.use { client ->
            val (at, e) = failure(client, TestServer.url("good", "/loop"))
            assertEquals(Stage.REQUEST, at)
            assertTrue(e is TooManyRedirectsException, "${e::class.simpleName}: ${e.message}")
            assertEquals(3, (e as TooManyRedirectsException).maxRedirects)
        }
    }
}
