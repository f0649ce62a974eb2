package dev.pinwire

import java.io.File
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Signed pin updates from Kotlin: real documents made at test time by the `pinwire` tool (built next to
 * the test server), applied to a client talking to the real test server.
 */
class UpdatesTest {
    private val host = TestServer.host
    private val dir: File = Files.createTempDirectory("pinwire-updates").toFile()

    @AfterEach
    fun cleanUp() {
        dir.deleteRecursively()
    }

    /** Runs the `pinwire` tool and returns its standard output; fails the test on a non-zero exit. */
    private fun pinwire(vararg args: String): ByteArray {
        val testserver = File(System.getProperty("pinwire.testserver"))
        val tool = File(testserver.parentFile, "pinwire")
        check(tool.canExecute()) { "$tool is not an executable: build the workspace with cargo first" }
        val err = File(dir, "stderr")
        val process = ProcessBuilder(tool.path, *args).redirectError(err).start()
        val out = process.inputStream.readBytes()
        check(process.waitFor(30, TimeUnit.SECONDS)) { "pinwire ${args.toList()} did not finish" }
        check(process.exitValue() == 0) { "pinwire ${args.toList()} exited ${process.exitValue()}: ${err.readText()}" }
        return out
    }

    /** A fresh signing key: its private key file and the public JWK to embed. */
    private fun keygen(name: String): Pair<File, String> {
        val key = File(dir, "$name.pem")
        val jwk = pinwire("update", "keygen", "--out", key.path, "--algorithm", "ed25519").decodeToString().trim()
        return key to jwk
    }

    /** A document of [version] moving [host]'s pins to [pins], signed with [key]. */
    private fun sign(key: File, version: Int, vararg pins: String): ByteArray {
        val config = File(dir, "config-$version.json")
        val quoted = pins.joinToString(",") { "\"$it\"" }
        config.writeText("""{"version":1,"rules":[{"pattern":"$host","pins":[$quoted]}]}""")
        return pinwire("update", "sign", "--key", key.path, "--version", "$version", "--expires", "2099-01-01", config.path)
    }

    /**
     * Shipped pins of the impostor's chain (its leaf and the Evil Root's, a CA trusted here too): the good
     * server's chain is valid but not pinned until an update moves the pins to it.
     */
    private fun shippedClient(jwk: String, configure: PinwireClient.Builder.() -> Unit = {}) = testClient {
        trustedRootsPem(TestServer.rootPem("evil"))
        add(host, TestServer.pin("impostor_leaf"), TestServer.pin("evil_root"))
        updates {
            keys(jwk)
            storeDirectory(dir)
        }
        configure()
    }

    @Test
    fun `an applied update pins the next request to its new pins`() = runBlocking<Unit> {
        val (key, jwk) = keygen("signer")
        val document = sign(key, 2, TestServer.pin("leaf"), TestServer.pin("root"))
        val updates = CopyOnWriteArrayList<UpdateEvent>()
        val pins = CopyOnWriteArrayList<PinEvent>()
        shippedClient(jwk) {
            updateListener { updates += it }
            listener { pins += it }
        }.use { client ->
            assertEquals(0L, client.versionInUse)
            assertThrows<PinMismatchException> { client.execute(Request.get(TestServer.url("good"))).close() }
            assertEquals(0L, pins.last().configVersion)
            client.execute(Request.get(TestServer.url("impostor"))).use { assertEquals(200, it.status) }

            assertEquals(UpdateOutcome.Applied(version = 2, previous = 0), client.applyUpdate(document))
            assertEquals(2L, client.versionInUse)
            client.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
            assertEquals(PinOutcome.MATCHED, pins.last().outcome)
            assertEquals(2L, pins.last().configVersion)
            // The old key's server is refused now, without a restart.
            assertThrows<PinMismatchException> { client.execute(Request.get(TestServer.url("impostor"))).close() }

            assertEquals(UpdateOutcome.Unchanged(version = 2), client.applyUpdate(document))
        }
        assertEquals(UpdateEventKind.APPLIED, updates.first().kind)
        assertEquals(UpdateOrigin.APP, updates.first().origin)
        assertEquals(2L, updates.first().version)

        // The stored document survives a restart.
        shippedClient(jwk).use { client -> assertEquals(2L, client.versionInUse) }
    }

    @Test
    fun `a tampered or foreign document is refused with its reason and changes nothing`() {
        val (key, jwk) = keygen("signer")
        val (otherKey, _) = keygen("other")
        val document = sign(key, 3, TestServer.pin("leaf"), TestServer.pin("root")).decodeToString().trim()
        // Flip one character of the payload (the middle part of the JWS): the signature no longer verifies.
        val (header, payload, signature) = document.split('.')
        val i = payload.length / 2
        val flipped = if (payload[i] == 'A') 'B' else 'A'
        val tampered = "$header.${payload.substring(0, i)}$flipped${payload.substring(i + 1)}.$signature"
        val updates = CopyOnWriteArrayList<UpdateEvent>()
        shippedClient(jwk) { updateListener { updates += it } }.use { client ->
            val refused = assertThrows<UpdateException> { client.applyUpdate(tampered.encodeToByteArray()) }
            assertTrue(
                refused.reason == UpdateRefusal.BAD_SIGNATURE || refused.reason == UpdateRefusal.MALFORMED,
                "reason ${refused.reason}: ${refused.message}",
            )
            val foreign = sign(otherKey, 4, TestServer.pin("leaf"), TestServer.pin("root"))
            assertEquals(UpdateRefusal.UNKNOWN_KEY_ID, assertThrows<UpdateException> { client.applyUpdate(foreign) }.reason)
            assertEquals(0L, client.versionInUse)

            assertEquals(UpdateOutcome.Applied(3, 0), client.applyUpdate(document.encodeToByteArray()))
            val older = sign(key, 1, TestServer.pin("leaf"), TestServer.pin("root"))
            val rollback = assertThrows<UpdateException> { client.applyUpdate(older) }
            assertEquals(UpdateRefusal.ROLLBACK, rollback.reason)
            assertEquals(1L, rollback.version)
            assertEquals(3L, client.versionInUse)
        }
        assertEquals(listOf(UpdateEventKind.REFUSED, UpdateEventKind.REFUSED, UpdateEventKind.APPLIED, UpdateEventKind.REFUSED), updates.map { it.kind })
        assertEquals(UpdateRefusal.ROLLBACK, updates.last().refusal)
    }

    @Test
    fun `checkForUpdate fetches the document from the update URL over the shipped pins`() = runBlocking<Unit> {
        val (key, jwk) = keygen("signer")
        val document = sign(key, 5, TestServer.pin("intermediate"), TestServer.pin("root"))
        // The test server hands back the last body posted to /collect at /collected/last.
        testClient { add(host, TestServer.pin("leaf"), TestServer.pin("evil_root")) }.use { uploader ->
            uploader.execute(Request.post(TestServer.url("good", "/collect"), document)).close()
        }
        val updates = CopyOnWriteArrayList<UpdateEvent>()
        val pins = CopyOnWriteArrayList<PinEvent>()
        testClient {
            add(host, TestServer.pin("leaf"), TestServer.pin("evil_root"))
            updates {
                keys(jwk)
                url(TestServer.url("good", "/collected/last"))
            }
            updateListener { updates += it }
            listener { pins += it }
        }.use { client ->
            assertEquals(UpdateOutcome.Applied(version = 5, previous = 0), client.checkForUpdate())
            assertEquals(5L, client.versionInUse)
            client.execute(Request.get(TestServer.url("good"))).use { assertEquals(200, it.status) }
            assertEquals(TestServer.pin("intermediate"), pins.last().matchedPin)
            assertEquals(5L, pins.last().configVersion)
        }
        val applied = updates.single { it.kind == UpdateEventKind.APPLIED }
        assertEquals(UpdateOrigin.FETCHED, applied.origin)
        assertEquals(TestServer.url("good", "/collected/last"), applied.url)
    }

    @Test
    fun `checking without an update URL and a bad key are typed errors`() = runBlocking<Unit> {
        val (_, jwk) = keygen("signer")
        shippedClient(jwk).use { client ->
            assertEquals(UpdateRefusal.NOT_CONFIGURED, assertThrows<UpdateException> { client.checkForUpdate() }.reason)
        }
        assertThrows<InvalidConfigException> { shippedClient("{\"kty\":\"OKP\"}") }
        // A client without updates refuses documents too.
        testClient { add(host, TestServer.pin("leaf"), TestServer.pin("root")) }.use { client ->
            assertEquals(UpdateRefusal.NOT_CONFIGURED, assertThrows<UpdateException> { client.applyUpdate(ByteArray(1)) }.reason)
        }
    }
}
