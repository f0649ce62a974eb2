package dev.pinwire.bridge

import dev.pinwire.TestServer
import java.io.File
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Records the bridge's messages in scenarios the TypeScript package replays
 * (`bindings/react-native/src/__tests__/fixtures/bridge-messages.json`), and fails when that file is not
 * what the bridge says today: the TypeScript tests' native-module double cannot drift from the bridge.
 * `PINWIRE_UPDATE_FIXTURES=1 scripts/test-kotlin.sh` rewrites it.
 */
class BridgeFixtureTest {
    private val host = TestServer.host
    private val fixture = File(System.getProperty("basedir") ?: ".", "../react-native/src/__tests__/fixtures/bridge-messages.json")

    private suspend fun BridgeRecorder.client(args: Map<String, Any?>) = call(BridgeMethods.CREATE_CLIENT, args)["client"]

    private suspend fun BridgeRecorder.newCall(args: Map<String, Any?>) = call(BridgeMethods.NEW_CALL, args)["call"]

    private suspend fun BridgeRecorder.failing(method: String, args: Map<String, Any?>, code: String) {
        val e = assertThrows<BridgeException> { call(method, args) }
        assertEquals(code, e.code, e.message)
    }

    private val scenarios = LinkedHashMap<String, suspend BridgeRecorder.() -> Unit>()

    private fun scenario(name: String, block: suspend BridgeRecorder.() -> Unit) {
        scenarios[name] = block
    }

    init {
        scenario("pinnedPost") {
            val client = client(pinnedClientArgs(TestServer.pin("intermediate"), TestServer.pin("evil_root")))
            val call = newCall(
                callArgs(
                    client, TestServer.url("good", "/echo"), "POST",
                    listOf(listOf("x-test", "hi"), listOf("content-type", "text/plain")), "hello".encodeToByteArray(),
                ),
            )
            assertEquals(200, call(BridgeMethods.EXECUTE, mapOf("call" to call))["status"])
            assertEquals("POST x-test=hi body=5", readAll(::call, call).decodeToString())
            call(BridgeMethods.OPEN_HANDLES)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
            call(BridgeMethods.OPEN_HANDLES)
        }
        scenario("bytesInChunks") {
            val client = client(clientArgs())
            val call = newCall(callArgs(client, TestServer.url("good", "/pattern/100000")))
            call(BridgeMethods.EXECUTE, mapOf("call" to call))
            val body = readAll(::call, call)
            assertEquals(100_000, body.size)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
        }
        scenario("fromConfig") {
            val config = """{"version":1,"trust_anchors":[{"source":"bundled","name":"test_root","pem":${
                JsonOut.write(TestServer.rootPem("test"))
            }}],"rules":[{"pattern":"$host","pins":["${TestServer.pin("root")}","${TestServer.pin("evil_root")}"]}]}"""
            val client = client(mapOf("config" to config, "resolve" to mapOf(host to "127.0.0.1")))
            val call = newCall(callArgs(client, TestServer.url("good", "/status/404")))
            assertEquals(404, call(BridgeMethods.EXECUTE, mapOf("call" to call))["status"])
            readAll(::call, call)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
        }
        scenario("pinMismatch") {
            val client = client(pinnedClientArgs(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")))
            val call = newCall(callArgs(client, TestServer.url("good", "/version")))
            failing(BridgeMethods.EXECUTE, mapOf("call" to call), BridgeErrorCodes.PIN_MISMATCH)
            call(BridgeMethods.OPEN_HANDLES)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
        }
        scenario("untrusted") {
            val client = client(clientArgs())
            val call = newCall(callArgs(client, TestServer.url("untrusted", "/")))
            failing(BridgeMethods.EXECUTE, mapOf("call" to call), BridgeErrorCodes.UNTRUSTED_CERTIFICATE)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
        }
        scenario("readTimeout") {
            val client = client(clientArgs("readTimeoutMs" to 300))
            val call = newCall(callArgs(client, TestServer.url("good", "/stall")))
            failing(BridgeMethods.EXECUTE, mapOf("call" to call), BridgeErrorCodes.TIMEOUT)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
        }
        scenario("cancelSlowBody") {
            val client = client(clientArgs("http1Only" to true))
            val call = newCall(callArgs(client, TestServer.url("http1", "/slow-body")))
            call(BridgeMethods.EXECUTE, mapOf("call" to call))
            call(BridgeMethods.READ_CHUNK, mapOf("call" to call))
            val pending = CoroutineScope(Dispatchers.Default).async { runCatching { call(BridgeMethods.READ_CHUNK, mapOf("call" to call)) } }
            delay(300)
            call(BridgeMethods.CANCEL, mapOf("call" to call))
            val e = withTimeout(2.seconds) { pending.await() }.exceptionOrNull() as BridgeException
            assertEquals(BridgeErrorCodes.CANCELLED, e.code)
            call(BridgeMethods.OPEN_HANDLES)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
        }
        scenario("cancelBeforeHead") {
            val client = client(clientArgs())
            val call = newCall(callArgs(client, TestServer.url("good", "/stall")))
            val pending = CoroutineScope(Dispatchers.Default).async { runCatching { call(BridgeMethods.EXECUTE, mapOf("call" to call)) } }
            delay(300)
            call(BridgeMethods.CANCEL, mapOf("call" to call))
            assertEquals(BridgeErrorCodes.CANCELLED, (withTimeout(2.seconds) { pending.await() }.exceptionOrNull() as BridgeException).code)
            call(BridgeMethods.CLOSE_CLIENT, mapOf("client" to client))
        }
        scenario("invalidConfig") {
            failing(BridgeMethods.CREATE_CLIENT, pinnedClientArgs(TestServer.pin("leaf")), BridgeErrorCodes.INVALID_CONFIG)
            call(BridgeMethods.OPEN_HANDLES)
        }
    }

    @Test
    fun `the recorded bridge messages the TypeScript tests replay are current`() = runBlocking<Unit> {
        val recorded = linkedMapOf<String, Any?>()
        for ((name, body) in scenarios) {
            BridgeRecorder().use { recorder ->
                recorder.body()
                assertEquals(mapOf("clients" to 0, "calls" to 0), recorder.bridge.openHandles(), "$name leaves no handle")
                recorded[name] = recorder.normalised()
            }
        }
        val document = linkedMapOf(
            "about" to "Recorded by bindings/kotlin BridgeFixtureTest from the JVM bridge; replayed by the TypeScript tests. " +
                "Regenerate: PINWIRE_UPDATE_FIXTURES=1 scripts/test-kotlin.sh",
            "host" to host,
            "ports" to listOf("good", "http1", "impostor", "untrusted").associateWith { BridgeRecorder.standInPort(it) },
            "methods" to BridgeMethods.ALL,
            "errorCodes" to BridgeErrorCodes.ALL,
            "events" to listOf(BridgeEvents.PIN_EVENT),
            "scenarios" to recorded,
        )
        val text = JsonOut.write(document) + "\n"
        if (System.getenv("PINWIRE_UPDATE_FIXTURES") == "1") {
            fixture.parentFile.mkdirs()
            fixture.writeText(text)
            return@runBlocking
        }
        if (!fixture.exists()) fail<Unit>("${fixture.canonicalPath} is missing: run PINWIRE_UPDATE_FIXTURES=1 scripts/test-kotlin.sh")
        val committed = fixture.readText()
        if (committed != text) {
            val firstDiff = committed.lines().zip(text.lines()).indexOfFirst { (a, b) -> a != b }
            fail<Unit>(
                "${fixture.canonicalPath} is stale (first difference at line ${firstDiff + 1}: " +
                    "file `${committed.lines().getOrNull(firstDiff)}`, bridge `${text.lines().getOrNull(firstDiff)}`): " +
                    "run PINWIRE_UPDATE_FIXTURES=1 scripts/test-kotlin.sh and review the diff",
            )
        }
    }
}
