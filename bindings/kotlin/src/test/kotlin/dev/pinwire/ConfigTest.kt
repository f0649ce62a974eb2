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
    fun `a TrustKit dictionary, as JSON or plist, is read on Android too, with its warnings`() = runBlocking<Unit> {
        val pins = listOf(TestServer.pin("leaf"), TestServer.pin("root")).map { it.removePrefix("sha256/") }
        val json = """
            { "TSKSwizzleNetworkDelegates": false,
              "TSKPinnedDomains": { "$host": { "TSKPublicKeyHashes": ["${pins[0]}", "${pins[1]}"], "TSKEnforcePinning": false, "TSKDisableDefaultReportUri": true } } }
        """.trimIndent()
        val plist = """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict>
              <key>TSKSwizzleNetworkDelegates</key><false/>
              <key>TSKPinnedDomains</key><dict><key>$host</key><dict>
                <key>TSKPublicKeyHashes</key><array><string>${pins[0]}</string><string>${pins[1]}</string></array>
                <key>TSKEnforcePinning</key><false/>
                <key>TSKDisableDefaultReportUri</key><true/>
              </dict></dict>
            </dict></plist>
        """.trimIndent()
        for (config in listOf(PinConfig.fromTrustKitJson(json), PinConfig.fromTrustKitPlist(plist))) {
            config.use {
                assertEquals(1, it.warnings.size, it.warnings.toString())
                assertTrue(it.warnings.single().contains("TSKSwizzleNetworkDelegates"), it.warnings.toString())
                val exported = it.toJson()
                assertTrue(exported.contains(TestServer.pin("leaf")) && exported.contains("report_only"), exported)
                // TrustKit names no trust anchors: the platform's trust applies, which does not know the test root.
                client(it).use { c ->
                    assertThrows<UntrustedCertificateException> { c.execute(Request.get(TestServer.url("good"))) }
                }
            }
        }
        val e = assertThrows<InvalidConfigException> { PinConfig.fromTrustKitJson("{}", "TrustKit.json") }
        assertTrue(e.message!!.startsWith("TrustKit.json:"), e.message)
    }

    @Test
    fun `an anchor that overrides pins gives an OVERRIDDEN event`() = runBlocking<Unit> {
        val json = """
            {
              "version": 1,
              "trust_anchors": [{ "source": "bundled", "name": "test_root", "pem": ${jsonString(TestServer.rootPem("test"))}, "override_pins": true }],
              "rules": [{ "pattern": "$host", "pins": ["${TestServer.pin("impostor_leaf")}", "${TestServer.pin("evil_root")}"] }]
            }
        """.trimIndent()
        val events = java.util.concurrent.CopyOnWriteArrayList<PinEvent>()
        PinConfig.fromJson(json).use { config ->
            PinwireClient {
                config(config)
                resolve(host, "127.0.0.1")
                listener { events += it }
            }.use { c ->
                c.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
            }
        }
        assertEquals(PinOutcome.OVERRIDDEN, events.single().outcome)
        assertTrue(events.single().allowed)
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
