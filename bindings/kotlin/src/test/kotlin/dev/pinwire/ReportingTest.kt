package dev.pinwire

import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Pin failure reports configured from Kotlin reach a real collector (the test server's `/collect`). */
class ReportingTest {
    private val host = TestServer.host

    @Test
    fun `a report-only mismatch passes and is reported in TrustKit's format`() = runBlocking<Unit> {
        val collector = TestServer.url("http1", "/collect")
        testClient {
            add(host, TestServer.pin("evil_root"), TestServer.pin("impostor_leaf")) { reportOnly() }
            reporting(AppIdentity("dev.pinwire.kotlin-tests", "9.9", "vendor-kt", "JVM", "17"), mapOf(host to collector))
        }.use { client ->
            client.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
        }
        val report = waitForReport()
        assertEquals("dev.pinwire.kotlin-tests", report["app-bundle-id"])
        assertEquals("vendor-kt", report["app-vendor-id"])
        assertEquals(host, report["hostname"])
        assertEquals(TestServer.port("good"), (report["port"] as Number).toInt())
        assertEquals(false, report["enforce-pinning"])
        assertEquals(3, (report["validated-certificate-chain"] as List<*>).size)
        val knownPins = (report["known-pins"] as List<*>).map { it as String }
        assertTrue(knownPins.contains("pin-sha256=\"${TestServer.pin("evil_root").removePrefix("sha256/")}\""), "$knownPins")
    }

    @Suppress("UNCHECKED_CAST")
    private suspend fun waitForReport(): Map<String, Any?> {
        testClient().use { reader ->
            repeat(100) {
                val bodies = reader.execute(Request.get(TestServer.url("http1", "/collected"))).use { Json.parse(it.string()) } as List<String>
                val ours = bodies.map { Json.parse(it) as Map<String, Any?> }.firstOrNull { it["app-vendor-id"] == "vendor-kt" }
                if (ours != null) return ours
                delay(50)
            }
        }
        error("no report reached the collector")
    }
}
