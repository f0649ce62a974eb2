package dev.pinwire.ktor

import dev.pinwire.PinMismatchException
import dev.pinwire.PinwireClient
import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import dev.pinwire.eventually
import dev.pinwire.testClient
import io.ktor.client.HttpClient
import io.ktor.client.plugins.HttpTimeout
import io.ktor.client.plugins.timeout
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.client.request.prepareGet
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsChannel
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpProtocolVersion
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.OutgoingContent
import io.ktor.utils.io.ByteWriteChannel
import io.ktor.utils.io.discard
import io.ktor.utils.io.readByteArray
import io.ktor.utils.io.writeFully
import java.io.IOException
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Ktor's HttpClient over Pinwire, against the real test servers. */
class PinwireEngineTest {
    private fun pinned(configure: PinwireClient.Builder.() -> Unit = {}) = testClient {
        add("**.pinwire.test", TestServer.pin("leaf"), TestServer.pin("root"))
        configure()
    }

    private fun ktor(pinwire: PinwireClient) = HttpClient(Pinwire) { engine { client = pinwire } }

    @Test
    fun `a pinned request, status, protocol, headers and body`() = runBlocking<Unit> {
        pinned().use { pinwire ->
            ktor(pinwire).use { http ->
                val response = http.get(TestServer.url("good", "/version"))
                assertEquals(HttpStatusCode.OK, response.status)
                assertEquals(HttpProtocolVersion.HTTP_2_0, response.version)
                assertEquals("HTTP/2.0", response.bodyAsText())
                val missing = http.get(TestServer.url("http1", "/status/404"))
                assertEquals(HttpStatusCode.NotFound, missing.status)
                assertEquals(HttpProtocolVersion.HTTP_1_1, missing.version)
                assertEquals("0", missing.headers["content-length"])
            }
        }
    }

    @Test
    fun `a pin mismatch is Pinwire's PinMismatchException, an IOException`() = runBlocking<Unit> {
        pinned { trustedRootsPem(TestServer.rootPem("evil")) }.use { pinwire ->
            ktor(pinwire).use { http ->
                val e = assertThrows<PinMismatchException> { http.get(TestServer.url("impostor", "/")) }
                assertInstanceOf(IOException::class.java, e)
                assertEquals(TestServer.host, e.host)
                assertEquals(listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")), e.chainPins)
            }
        }
    }

    @Test
    fun `request bodies and headers reach the server, whole or written to a channel`() = runBlocking<Unit> {
        pinned().use { pinwire ->
            ktor(pinwire).use { http ->
                val whole = http.post(TestServer.url("good", "/echo")) {
                    header("x-test", "from ktor")
                    setBody(ByteArray(70_000) { 1 })
                }
                assertEquals("POST x-test=from ktor body=70000", whole.bodyAsText())
                val written = http.post(TestServer.url("good", "/echo")) {
                    setBody(
                        object : OutgoingContent.WriteChannelContent() {
                            override suspend fun writeTo(channel: ByteWriteChannel) {
                                repeat(10) { channel.writeFully(ByteArray(10_000) { 2 }) }
                            }
                        },
                    )
                }
                assertEquals("POST x-test= body=100000", written.bodyAsText())
            }
        }
    }

    @Test
    fun `the body streams, the first MiB arrives before the server sends the rest`() = runBlocking<Unit> {
        val size = 8 * 1024 * 1024
        pinned().use { pinwire ->
            ktor(pinwire).use { http ->
                http.prepareGet(TestServer.url("good", "/gated/$size")).execute { response ->
                    val channel = response.bodyAsChannel()
                    assertEquals(1024 * 1024, channel.readByteArray(1024 * 1024).size)
                    assertEquals("gate open", http.get(TestServer.url("good", "/open-gate")).bodyAsText())
                    assertEquals(size - 1024L * 1024, channel.discard())
                }
            }
        }
    }

    @Test
    fun `cancelling the coroutine ends a stalled call and closes its connection`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        pinned { http1Only() }.use { pinwire ->
            ktor(pinwire).use { http ->
                val before = establishedConnectionsTo(port)
                val thrown = AtomicReference<Throwable>()
                val job = launch(Dispatchers.Default) {
                    try {
                        http.get(TestServer.url("http1", "/stall"))
                    } catch (t: Throwable) {
                        thrown.set(t)
                        throw t
                    }
                }
                assertTrue(eventually { establishedConnectionsTo(port) > before }, "the stalled call connects")
                delay(200)
                val mark = TimeSource.Monotonic.markNow()
                job.cancel()
                job.join()
                assertTrue(mark.elapsedNow() < 1.seconds, "cancellation took ${mark.elapsedNow()}")
                assertInstanceOf(CancellationException::class.java, thrown.get())
                assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) <= before }, "the connection is closed")
                assertEquals("HTTP/1.1", http.get(TestServer.url("http1", "/version")).bodyAsText())
            }
        }
    }

    @Test
    fun `cancelling the coroutine mid-body ends the read and closes the connection`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        pinned { http1Only() }.use { pinwire ->
            ktor(pinwire).use { http ->
                val before = establishedConnectionsTo(port)
                val firstRead = CompletableDeferred<String>()
                val job = launch(Dispatchers.Default) {
                    http.prepareGet(TestServer.url("http1", "/slow-body")).execute { response ->
                        val channel = response.bodyAsChannel()
                        firstRead.complete(channel.readByteArray(5).decodeToString())
                        channel.readByteArray(1) // the server stalls here
                    }
                }
                assertEquals("first", firstRead.await())
                delay(200)
                val mark = TimeSource.Monotonic.markNow()
                job.cancel()
                job.join()
                assertTrue(mark.elapsedNow() < 1.seconds, "cancellation took ${mark.elapsedNow()}")
                assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) <= before }, "the connection is closed")
            }
        }
    }

    @Test
    fun `what the engine cannot honour is refused, not ignored`() = runBlocking<Unit> {
        assertThrows<IllegalArgumentException> { HttpClient(Pinwire) }
        pinned().use { pinwire ->
            HttpClient(Pinwire) {
                engine { client = pinwire }
                install(HttpTimeout)
            }.use { http ->
                val e = assertThrows<IllegalArgumentException> {
                    http.get(TestServer.url("good", "/version")) { timeout { requestTimeoutMillis = 1000 } }
                }
                assertTrue(e.message.orEmpty().contains("HttpTimeout"), e.message)
            }
        }
    }
}
