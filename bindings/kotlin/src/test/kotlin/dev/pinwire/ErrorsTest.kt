package dev.pinwire

import java.io.OutputStream
import java.net.InetAddress
import java.net.ServerSocket
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import dev.pinwire.ffi.PinwireException as FfiError

/**
 * Every variant of the generated `PinwireError` driven through the FFI, each caught as its Kotlin
 * exception with its fields and the core's message. These check the glue; the core's own suites check
 * the decisions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsTest {
    private val host = TestServer.host
    private val client = testClient()

    @AfterAll
    fun close() = client.close()

    @Test
    fun `PinMismatch`() = runBlocking<Unit> {
        testClient { add(host, TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")) }.use { pinned ->
            val e = assertThrows<PinMismatchException> { pinned.execute(Request.get(TestServer.url("good"))) }
            assertEquals(host, e.host)
            assertEquals(3, e.chainPins.size)
            assertTrue(e.message!!.startsWith("Certificate pinning failure!"), e.message)
        }
    }

    @Test
    fun `UntrustedCertificate`() = runBlocking<Unit> {
        val e = assertThrows<UntrustedCertificateException> { client.execute(Request.get(TestServer.url("impostor"))) }
        assertEquals(UntrustedReason.UNKNOWN_ISSUER, e.reason)
        assertEquals(host, e.host)
    }

    @Test
    fun `HostnameMismatch`() = runBlocking<Unit> {
        testClient { resolve("wrong.pinwire.test", "127.0.0.1") }.use { c ->
            val e = assertThrows<HostnameMismatchException> {
                c.execute(Request.get("https://wrong.pinwire.test:${TestServer.port("good")}/"))
            }
            assertEquals("wrong.pinwire.test", e.host)
            assertTrue(e.message!!.contains("wrong.pinwire.test"), e.message)
        }
    }

    @Test
    fun `CleartextNotPermitted`() = runBlocking<Unit> {
        val url = "http://$host:${TestServer.port("good")}/"
        val e = assertThrows<CleartextNotPermittedException> { client.execute(Request.get(url)) }
        assertEquals(host, e.host)
        assertEquals(url, e.url)
        assertTrue(e.message!!.contains("cleartext"), e.message)
    }

    @Test
    fun `Timeout (all three kinds are in TimeoutTest)`() = runBlocking<Unit> {
        testClient { readTimeout(200.milliseconds) }.use { c ->
            val e = assertThrows<TimeoutException> { c.execute(Request.get(TestServer.url("good", "/stall"))) }
            assertEquals(TimeoutKind.READ, e.kind)
            assertEquals(TestServer.url("good", "/stall"), e.url)
        }
    }

    @Test
    fun `Connect`() = runBlocking<Unit> {
        val closedPort = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        val url = "https://$host:$closedPort/"
        val e = assertThrows<ConnectException> { client.execute(Request.get(url)) }
        assertEquals(url, e.url)
        assertTrue(e.message!!.startsWith("could not connect to $url"), e.message)
    }

    @Test
    fun `Protocol`() = runBlocking<Unit> {
        // A server on 127.0.0.1 that answers a TLS ClientHello with plain HTTP.
        ServerSocket(0, 5, InetAddress.getLoopbackAddress()).use { server ->
            val answering = Thread {
                runCatching {
                    server.accept().use { s ->
                        s.getInputStream().read(ByteArray(1024))
                        val out: OutputStream = s.getOutputStream()
                        out.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".encodeToByteArray())
                        out.flush()
                        Thread.sleep(200)
                    }
                }
            }.apply { start() }
            val url = "https://$host:${server.localPort}/"
            val e = assertThrows<ProtocolException> { client.execute(Request.get(url)) }
            assertEquals(url, e.url)
            assertTrue(e.message!!.startsWith("protocol error for $url"), e.message)
            answering.join(5000)
        }
    }

    @Test
    fun `TooManyRedirects`() = runBlocking<Unit> {
        testClient { maxRedirects(3) }.use { c ->
            val e = assertThrows<TooManyRedirectsException> { c.execute(Request.get(TestServer.url("good", "/loop"))) }
            assertEquals(3, e.maxRedirects)
            assertTrue(e.url.endsWith("/loop"), e.url)
        }
    }

    @Test
    fun `InvalidConfig`() = runBlocking<Unit> {
        val single = assertThrows<InvalidConfigException> { testClient { add(host, TestServer.pin("leaf")) } }
        assertTrue(single.message!!.isNotBlank())
        assertThrows<InvalidConfigException> { testClient { add(host, "sha256/not-a-pin", TestServer.pin("leaf")) } }
        assertThrows<InvalidConfigException> { testClient { add("*.com", TestServer.pin("leaf"), TestServer.pin("root")) } }
        assertThrows<InvalidConfigException> { testClient { trustedRootsPem("not a certificate") } }
        assertThrows<InvalidConfigException> { PinwireClient { includePlatformTrust(false) } }
        assertThrows<InvalidConfigException> { testClient { resolve("x.test", "not an address") } }
        val header = Request(TestServer.url("good")) { header("bad header", "x") }
        assertThrows<InvalidConfigException> { client.execute(header) }
        // The escape hatch really lowers the minimum.
        testClient { dangerousAllowSinglePin(); add(host, TestServer.pin("leaf")) }.use { c ->
            c.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
        }
    }

    @Test
    fun `InvalidUrl`() = runBlocking<Unit> {
        val e = assertThrows<InvalidUrlException> { client.execute(Request.get("not a url")) }
        assertEquals("not a url", e.url)
        assertThrows<InvalidUrlException> { client.execute(Request.get("ftp://$host/")) }
    }

    @Test
    fun `Cancelled surfaces as CancellationException, never a PinwireException`() {
        val call = client.newCall(Request.get(TestServer.url("good", "/stall")))
        call.cancel() // cancelled before it starts: the core returns Cancelled at once
        val mark = TimeSource.Monotonic.markNow()
        val e = assertThrows<CancellationException> { call.executeBlocking() }
        assertEquals("the call was cancelled", e.message)
        assertTrue(mark.elapsedNow() < 2.seconds)
    }

    @Test
    fun `DecodedBodyTooLarge`() = runBlocking<Unit> {
        testClient { maxDecodedSize(maxSize = 4096) }.use { capped ->
            capped.execute(Request.get(TestServer.url("good", "/compressed/100000"))).use { response ->
                val e = assertThrows<DecodedBodyTooLargeException> { response.bytes() }
                assertEquals(TestServer.url("good", "/compressed/100000"), e.url)
                assertTrue(e.decodedBytes > 4096 && e.compressedBytes > 0, "${e.decodedBytes} from ${e.compressedBytes}")
                assertTrue(e.message!!.contains("at most 4096 bytes"), e.message)
            }
        }
    }

    @Test
    fun `Closed`() = runBlocking<Unit> {
        val response = client.execute(Request.get(TestServer.url("good")))
        response.closeBody()
        val e = assertThrows<ClosedException> { response.string() }
        assertEquals("response body", e.what)
        assertEquals("response body was used after close()", e.message)
        assertEquals(200, response.status) // the head stays readable
        response.close()
    }

    @Test
    fun `Internal surfaces as InternalException with the panic's message, never a cancellation`() {
        // A panic cannot be provoked through the public API (that would be a bug to fix): the generated
        // error is thrown through the wrapper's one mapping path instead.
        val e = assertThrows<Exception> {
            ffiCall("call") { throw FfiError.Internal("internal error: the request to https://x/ panicked: bug 42") }
        }
        assertTrue(e is InternalException, e.toString())
        assertFalse(e is CancellationException)
        assertEquals("internal error: the request to https://x/ panicked: bug 42", e.message)
    }

    @Test
    fun `every generated variant has a test in this class`() {
        // A variant added to the Rust enum fails this until it gets its test (and its mapping: the `when`
        // in Exceptions.kt does not compile without it).
        val variants = FfiError::class.java.declaredClasses
            .filter { FfiError::class.java.isAssignableFrom(it) }
            .map { it.simpleName }
            .toSet()
        val tested = ErrorsTest::class.java.declaredMethods.map { it.name.substringBefore(' ') }.toSet()
        assertEquals(14, variants.size, variants.toString())
        assertTrue(tested.containsAll(variants), "variants without a test: ${variants - tested}")
    }
}
