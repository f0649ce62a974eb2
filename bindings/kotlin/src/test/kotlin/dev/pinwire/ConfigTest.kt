package dev.pinwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Clients from configuration files read by the core's importers (Pinwire JSON, Android NSC XML). */
class ConfigTest {
    private val host = TestServer.host

    private fun jsonString(text: String) =
        "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""

    private fun pinwireJson(pins: List<String>) = """
        {
          "version": 1,
          "trust_anchors": [{ "source": "bundled", "name": "test_root", "pem": ${jsonString(TestServer.rootPem("test"))} }],
          "rules": [{ "pattern": "$host", "pins": [${pins.joinToString { "\"$it\"" }}] }]
        }
    """.trimIndent()

    private fun nscXml(pins: List<String>) = """
        <?xml version="1.0" encoding="utf-8"?>
        <network-security-config>
          <domain-config>
            <domain includeSubdomains="true">pinwire.test</domain>
            <trust-anchors><certificates src="@raw/test_root"/></trust-anchors>
            <pin-set>
              ${pins.joinToString("") { "<pin digest=\"SHA-256\">${it.removePrefix("sha256/")}</pin>" }}
            </pin-set>
          </domain-config>
        </network-security-config>
    """.trimIndent()

    private fun client(config: PinConfig) = PinwireClient {
        config(config)
        resolve(host, "127.0.0.1")
    }

    @Test
    fun `a Pinwire JSON file gives the client its pins and its bundled root`() = runBlocking<Unit> {
        PinConfig.fromJson(pinwireJson(listOf(TestServer.pin("intermediate"), TestServer.pin("evil_root")))).use { config ->
            assertEquals(emptyList<String>(), config.warnings)
            assertTrue(config.toJson().contains(TestServer.pin("intermediate")))
            client(config).use { c ->
                c.execute(Request.get(TestServer.url("good"))).use { assertEquals("hello from good", it.string()) }
                // Only the bundled root is trusted: the untrusted server's chain is refused.
                assertThrows<UntrustedCertificateException> { c.execute(Request.get(TestServer.url("untrusted"))) }
            }
        }
        PinConfig.fromJson(pinwireJson(listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")))).use { config ->
            client(config).use { c ->
                val e = assertThrows<PinMismatchException> { c.execute(Request.get(TestServer.url("good"))) }
                assertEquals(TestServer.pin("leaf"), e.chainPins.first())
            }
        }
    }

    @Test
    fun `a Network Security Config with a raw resource anchor and a pin-set`() = runBlocking<Unit> {
        val raw = mapOf("test_root" to TestServer.rootPem("test").encodeToByteArray())
        PinConfig.fromNscXml(nscXml(listOf(TestServer.pin("root"), TestServer.pin("evil_root"))), 34, rawResources = raw).use { config ->
            client(config).use { c ->
                c.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
            }
        }
        PinConfig.fromNscXml(nscXml(listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root"))), 34, rawResources = raw).use { config ->
            client(config).use { c ->
                val e = assertThrows<PinMismatchException> { c.execute(Request.get(TestServer.url("good"))) }
                assertEquals(host, e.host)
                assertEquals(setOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")), e.expectedPins.toSet())
            }
        }
    }

    @Test
    fun `a malformed or unsafe file is an InvalidConfigException naming file, line and column`() {
        val e = assertThrows<InvalidConfigException> { PinConfig.fromJson("{\n  \"version\": 2\n}", "app-pins.json") }
        assertTrue(e.message!!.startsWith("app-pins.json:2:"), e.message)
        // One pin imports, as on Android, with a warning at the domain-config.
        PinConfig.fromNscXml(nscXml(listOf(TestServer.pin("root"))), 34, rawResources = mapOf("test_root" to TestServer.rootPem("test").encodeToByteArray())).use { single ->
            assertTrue(single.warnings.single().contains("single pin and no backup pin"), single.warnings.toString())
        }
        val missingRaw = assertThrows<InvalidConfigException> { PinConfig.fromNscXml(nscXml(listOf(TestServer.pin("root"), TestServer.pin("leaf"))), 34) }
        assertTrue(missingRaw.message!!.contains("test_root"), missingRaw.message)
    }

    @Test
    fun `pins or trust given both in the builder and in a file are refused`() {
        PinConfig.fromJson(pinwireJson(listOf(TestServer.pin("root"), TestServer.pin("leaf")))).use { config ->
            assertThrows<InvalidConfigException> { PinwireClient { config(config); add(host, TestServer.pin("root"), TestServer.pin("leaf")) } }
            assertThrows<InvalidConfigException> { PinwireClient { config(config); trustedRootsPem(TestServer.rootPem("test")) } }
        }
    }

    @Test
    fun `unknown keys are warnings, and a closed configuration is a ClosedException`() {
        val config = PinConfig.fromJson("""{ "version": 1, "colour": "blue" }""")
        assertEquals(1, config.warnings.size)
        assertTrue(config.warnings.single().contains("colour"), config.warnings.toString())
        config.close()
        config.close()
        assertThrows<ClosedException> { config.toJson() }
        assertThrows<ClosedException> { PinwireClient { config(config) } }
    }
}
