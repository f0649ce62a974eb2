package dev.pinwire.okhttp

import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import dev.pinwire.eventually
import java.io.IOException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.runBlocking
import okhttp3.Call
import okhttp3.Callback
import okhttp3.CertificatePinner
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Protocol
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okio.blackholeSink
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** PinwireCallFactory as OkHttp code sees it: Call, Response, Callback, interceptors. */
class CallFactoryTest {
    private fun get(server: String, path: String) = Request.Builder().url(TestServer.url(server, path)).build()

    @Test
    fun `the Response carries status, protocol, headers and the body`() {
        pinnedClient().use { client ->
            val factory = PinwireCallFactory(client)
            factory.newCall(get("good", "/version")).execute().use { response ->
                assertEquals(200, response.code)
                assertEquals(Protocol.HTTP_2, response.protocol)
                assertEquals("HTTP/2.0", response.body.string())
                assertEquals(TestServer.url("good", "/version"), response.request.url.toString())
            }
            factory.newCall(get("http1", "/status/404")).execute().use { response ->
                assertEquals(404, response.code)
                assertFalse(response.isSuccessful)
                assertEquals(Protocol.HTTP_1_1, response.protocol)
                assertEquals("0", response.header("content-length"))
            }
            // After a redirect the response names the final URL, as OkHttp's does.
            val target = TestServer.url("good", "/version")
            factory.newCall(get("good", "/redirect?to=$target")).execute().use { response ->
                assertEquals(200, response.code)
                assertEquals(target, response.request.url.toString())
            }
            // An OkHttpClient that does not follow redirects gets the redirect, as from OkHttp itself.
            val noRedirects = PinwireCallFactory(client, OkHttpClient.Builder().followRedirects(false).build())
            noRedirects.newCall(get("good", "/redirect?to=$target")).execute().use { response ->
                assertEquals(302, response.code)
                assertEquals(target, response.header("Location"))
            }
        }
    }

    @Test
    fun `a request body, its content type and headers reach the server`() {
        pinnedClient().use { client ->
            val request = Request.Builder()
                .url(TestServer.url("good", "/echo"))
                .header("x-test", "from okhttp")
                .post(ByteArray(100_000) { 7 }.toRequestBody("application/octet-stream".toMediaType()))
                .build()
            PinwireCallFactory(client).newCall(request).execute().use { response ->
                assertEquals("POST x-test=from okhttp body=100000", response.body.string())
            }
        }
    }

    @Test
    fun `the body streams, the first MiB arrives before the server sends the rest`() {
        // /gated sends 1 MiB, then waits for /open-gate: a body buffered whole could never be read this way.
        val size = 8 * 1024 * 1024
        pinnedClient().use { client ->
            val factory = PinwireCallFactory(client)
            factory.newCall(get("good", "/gated/$size")).execute().use { response ->
                val source = response.body.source()
                source.require(1024L * 1024)
                factory.newCall(get("good", "/open-gate")).execute().use { assertEquals("gate open", it.body.string()) }
                assertEquals(size.toLong(), source.readAll(blackholeSink()))
            }
        }
    }

    @Test
    fun `cancel mid-body ends the read with an IOException and closes the connection`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        pinnedClient { http1Only() }.use { client ->
            val before = establishedConnectionsTo(port)
            val call = PinwireCallFactory(client).newCall(get("http1", "/slow-body"))
            val response = call.execute()
            val source = response.body.source()
            assertEquals("first", source.readUtf8(5))
            val read = CompletableFuture.supplyAsync { runCatching { source.readByte() } }
            Thread.sleep(200)
            assertFalse(read.isDone, "the read waits for the stalled body")
            val mark = TimeSource.Monotonic.markNow()
            call.cancel()
            val failure = read.get(5, TimeUnit.SECONDS).exceptionOrNull()
            assertTrue(mark.elapsedNow() < 1.seconds, "the read ended ${mark.elapsedNow()} after cancel()")
            assertTrue(failure is IOException, "the read failed with $failure")
            assertTrue(call.isCanceled())
            response.close()
            assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) <= before }, "the connection is closed")
        }
    }

    @Test
    fun `enqueue answers on OkHttp's dispatcher thread, and cancel before the headers reaches onFailure`() {
        pinnedClient().use { client ->
            val factory = PinwireCallFactory(client)
            val answered = CompletableFuture<Pair<String, String>>()
            factory.newCall(get("good", "/version")).enqueue(
                object : Callback {
                    override fun onResponse(call: Call, response: Response) {
                        answered.complete(Thread.currentThread().name to response.use { it.body.string() })
                    }

                    override fun onFailure(call: Call, e: IOException) {
                        answered.completeExceptionally(e)
                    }
                },
            )
            val (thread, body) = answered.get(10, TimeUnit.SECONDS)
            assertNotEquals(Thread.currentThread().name, thread)
            assertEquals("HTTP/2.0", body)

            val failed = CompletableFuture<IOException>()
            val stalled = factory.newCall(get("good", "/stall"))
            stalled.enqueue(
                object : Callback {
                    override fun onResponse(call: Call, response: Response) {
                        failed.completeExceptionally(AssertionError("a stalled call answered"))
                    }

                    override fun onFailure(call: Call, e: IOException) {
                        failed.complete(e)
                    }
                },
            )
            Thread.sleep(300)
            val mark = TimeSource.Monotonic.markNow()
            stalled.cancel()
            val e = failed.get(5, TimeUnit.SECONDS)
            assertTrue(mark.elapsedNow() < 1.seconds, "onFailure came ${mark.elapsedNow()} after cancel()")
            assertTrue(e.message.orEmpty().contains("Canceled", ignoreCase = true), "$e")
        }
    }

    @Test
    fun `application interceptors run, in order, before Pinwire sends the request`() {
        val seen = mutableListOf<String>()
        val okHttp = OkHttpClient.Builder()
            .addInterceptor { chain ->
                seen += "first"
                chain.proceed(chain.request().newBuilder().header("x-test", "intercepted").build())
            }
            .addInterceptor { chain ->
                seen += "second saw ${chain.request().header("x-test")}"
                chain.proceed(chain.request()).also { seen += "response ${it.code}" }
            }
            .build()
        pinnedClient().use { client ->
            PinwireCallFactory(client, okHttp).newCall(get("good", "/echo")).execute().use { response ->
                assertEquals("GET x-test=intercepted body=0", response.body.string())
            }
        }
        assertEquals(listOf("first", "second saw intercepted", "response 200"), seen)
    }

    @Test
    fun `settings OkHttp alone would honour are refused at construction, each named`() {
        pinnedClient().use { client ->
            val okHttp = OkHttpClient.Builder()
                .addNetworkInterceptor { it.proceed(it.request()) }
                .certificatePinner(CertificatePinner.Builder().add(TestServer.host, TestServer.pin("leaf")).build())
                .hostnameVerifier { _, _ -> true }
                .build()
            val e = assertThrows<IllegalArgumentException> { PinwireCallFactory(client, okHttp) }
            val message = e.message!!
            assertTrue(message.contains("network interceptors (1)"), message)
            assertTrue(message.contains("CertificatePinner with 1 pins"), message)
            assertTrue(message.contains("HostnameVerifier"), message)
        }
    }
}
