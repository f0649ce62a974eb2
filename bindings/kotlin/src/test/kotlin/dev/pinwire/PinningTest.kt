package dev.pinwire

import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource

/** Pinning as a Kotlin caller sees it, against the real test servers. */
class PinningTest {
    private val host = TestServer.host

    @ParameterizedTest(name = "a pin on the {0} certificate lets the request through")
    @ValueSource(strings = ["leaf", "intermediate", "root"])
    fun `pinned request succeeds`(which: String) = runBlocking<Unit> {
        val events = CopyOnWriteArrayList<PinEvent>()
        // The other pin is the Evil Root's: a real second pin that this chain does not carry.
        testClient {
            add(host, TestServer.pin(which), TestServer.pin("evil_root"))
            listener { events += it }
        }.use { client ->
            client.execute(Request.get(TestServer.url("good"))).use { response ->
                assertEquals(200, response.status)
                assertEquals("HTTP/2.0", response.version)
                assertEquals("hello from good", response.string())
            }
        }
        val event = events.single()
        assertEquals(PinOutcome.MATCHED, event.outcome)
        assertEquals(TestServer.pin(which), event.matchedPin)
        assertEquals(host, event.host)
        assertEquals(TestServer.port("good"), event.port)
        assertTrue(event.enforced && event.allowed)
        assertEquals(listOf(TestServer.pin("leaf"), TestServer.pin("intermediate"), TestServer.pin("root")), event.chainPins)
        assertEquals(3, event.chainDer.size)
        assertEquals(TestServer.pin("leaf"), Pin.fromCertificateDer(event.chainDer[0]))
    }

    @Test
    fun `impostor with a chain from another trusted CA is a PinMismatchException with every field`() = runBlocking<Unit> {
        val expected = listOf(TestServer.pin("leaf"), TestServer.pin("root"))
        testClient {
            trustedRootsPem(TestServer.rootPem("evil")) // the impostor's CA is trusted: only the pins catch it
            add("**.pinwire.test", *expected.toTypedArray())
        }.use { client ->
            val e = assertThrows<PinMismatchException> { client.execute(Request.get(TestServer.url("impostor"))) }
            assertEquals(host, e.host)
            assertEquals(TestServer.port("impostor"), e.port)
            assertEquals("**.pinwire.test", e.pattern)
            assertEquals(expected.toSet(), e.expectedPins.toSet())
            assertEquals(listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")), e.chainPins)
            assertEquals(2, e.chainSubjects.size)
            assertTrue(e.chainSubjects.last().contains("Evil Root"), e.chainSubjects.toString())
            val message = e.message!!
            assertTrue(message.contains("Certificate pinning failure!"), message)
            assertTrue(message.contains(TestServer.pin("impostor_leaf")), message)
            assertTrue(message.contains(TestServer.pin("leaf")), message)
        }
    }

    @Test
    fun `a chain nobody trusts is an UntrustedCertificateException, pins not consulted`() = runBlocking<Unit> {
        testClient { add(host, TestServer.pin("leaf"), TestServer.pin("root")) }.use { client ->
            val e = assertThrows<UntrustedCertificateException> { client.execute(Request.get(TestServer.url("untrusted"))) }
            assertEquals(host, e.host)
            assertEquals(UntrustedReason.UNKNOWN_ISSUER, e.reason)
            assertTrue(e.message!!.contains(host), e.message)
        }
    }

    @Test
    fun `a report-only mismatch reaches the Kotlin listener and the request goes on`() = runBlocking<Unit> {
        val events = CopyOnWriteArrayList<PinEvent>()
        val wrong = listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root"))
        testClient {
            add(host, *wrong.toTypedArray()) { reportOnly() }
            listener { events += it }
        }.use { client ->
            client.execute(Request.get(TestServer.url("good"))).use { response ->
                assertEquals(200, response.status)
                assertEquals("hello from good", response.string())
            }
        }
        val event = events.single()
        assertEquals(PinOutcome.MISMATCH, event.outcome)
        assertFalse(event.enforced)
        assertTrue(event.allowed)
        assertNull(event.matchedPin)
        assertEquals(host, event.pattern)
        assertEquals(wrong.toSet(), event.expectedPins.toSet())
        assertEquals(listOf(TestServer.pin("leaf"), TestServer.pin("intermediate"), TestServer.pin("root")), event.chainPins)
        assertTrue(event.chainSubjects.last().contains("Test Root"), event.chainSubjects.toString())
        assertTrue(event.at.toEpochMilli() > 0)
    }

    @Test
    fun `an expired pin set is not enforced and is reported as EXPIRED`() = runBlocking<Unit> {
        val events = CopyOnWriteArrayList<PinEvent>()
        testClient {
            add(host, TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")) {
                expiresOn(java.time.LocalDate.of(2020, 1, 1))
            }
            listener { events += it }
        }.use { client ->
            client.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
        }
        val event = events.single()
        assertEquals(PinOutcome.EXPIRED, event.outcome)
        assertEquals(java.time.Instant.parse("2020-01-01T00:00:00Z"), event.expiration)
    }

    @Test
    fun `a listener that throws changes nothing`() = runBlocking<Unit> {
        var calls = 0
        testClient {
            add(host, TestServer.pin("leaf"), TestServer.pin("evil_root"))
            listener {
                calls++
                throw IllegalStateException("listener bug")
            }
        }.use { client ->
            client.execute(Request.get(TestServer.url("good"))).use { assertEquals("hello from good", it.string()) }
        }
        assertEquals(1, calls)
    }

    @Test
    fun `adding the same pattern twice adds pins, as OkHttp's builder does`() = runBlocking<Unit> {
        testClient {
            add(host, TestServer.pin("evil_root"))
            add(host, TestServer.pin("root"))
        }.use { client ->
            client.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
        }
    }

    @Test
    fun `a more specific exempt rule turns pinning off for its host`() = runBlocking<Unit> {
        testClient {
            add("**.pinwire.test", TestServer.pin("impostor_leaf"), TestServer.pin("evil_root"))
            exempt(host)
        }.use { client ->
            client.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
        }
    }

    @Test
    fun `pin helpers compute the servers' pins`() {
        assertEquals(listOf(TestServer.pin("root")), Pin.fromCertificatesPem(TestServer.rootPem("test")))
        assertThrows<InvalidConfigException> { Pin.fromCertificateDer(byteArrayOf(1, 2, 3)) }
    }
}
