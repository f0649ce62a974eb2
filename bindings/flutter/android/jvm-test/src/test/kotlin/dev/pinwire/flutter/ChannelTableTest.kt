package dev.pinwire.flutter

import dev.pinwire.TestServer
import dev.pinwire.bridge.BridgeErrorCodes
import dev.pinwire.bridge.BridgeEvents
import dev.pinwire.bridge.BridgeMethods
import java.io.File
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test

/**
 * bindings/flutter/channel.json is the one table of the plugin's channel names, methods and message keys.
 * These tests hold the Kotlin side to it: the shim's constants, the bridge's method, error and event names,
 * the keys of real answers from the test server, and the Dart constants generated from it.
 */
class ChannelTableTest {
    private val f = HostFixture()
    private val methods = channelTable.section("methods")

    @AfterEach
    fun close() = f.close()

    private fun resultKeys(method: String) = methods.section(method).strings("result").toSet()

    private fun errorKeys(code: String) = channelTable.section("errorFields").strings(code).toSet()

    @Test
    fun `the shim's constants and the bridge's names are the table's`() {
        assertEquals(channelTable["methodChannel"], FlutterChannel.METHOD_CHANNEL)
        assertEquals(channelTable["eventChannel"], FlutterChannel.EVENT_CHANNEL)
        assertEquals(listOf(FlutterChannel.EVENT, FlutterChannel.BODY), channelTable.strings("eventEnvelope"))
        assertEquals(BridgeMethods.ALL, methods.keys.toList())
        assertEquals(methods.mapValues { (name, _) -> methods.section(name).strings("args").toSet() }, FlutterChannel.ARGUMENTS)
        assertEquals(BridgeErrorCodes.ALL, channelTable.section("errorFields").keys.toList())
        assertEquals(listOf(BridgeEvents.PIN_EVENT), channelTable.section("events").keys.toList())
    }

    @Test
    fun `real answers, errors and events carry exactly the table's keys`() {
        val pins = mapOf(
            TestServer.host to mapOf("pins" to listOf(TestServer.pin("intermediate"), TestServer.pin("evil_root")), "includeSubdomains" to false),
        )
        val client = f.ok("createClient", clientArgs("pins" to pins, "connectTimeoutMs" to 5000, "userAgent" to "table-test"))
        assertEquals(resultKeys("createClient"), client.keys)
        val id = client.getValue("client")
        val call = f.ok("newCall", mapOf("client" to id, "url" to TestServer.url("good", "/version"), "callTimeoutMs" to 10_000))
        assertEquals(resultKeys("newCall"), call.keys)
        assertEquals(resultKeys("execute"), f.ok("execute", call).keys)
        val chunk = f.ok("readChunk", call)
        assertEquals(setOf("chunk"), chunk.keys)
        assertEquals(setOf("done"), f.ok("readChunk", call).keys)
        assertEquals(resultKeys("readChunk"), chunk.keys + "done")
        val another = f.ok("newCall", mapOf("client" to id, "url" to TestServer.url("good", "/")))
        assertEquals(resultKeys("closeCall"), f.ok("closeCall", another).keys)
        assertEquals(resultKeys("cancel"), f.ok("cancel", another).keys)
        assertEquals(resultKeys("openHandles"), f.ok("openHandles").keys)

        val body = (f.events.first().second as Map<*, *>)
        assertEquals(channelTable.strings("eventEnvelope").toSet(), body.keys)
        assertEquals(channelTable.section("events").strings("pinEvent").toSet(), (body["body"] as Map<*, *>).keys)

        val mismatch = f.ok("createClient", clientArgs("pins" to mapOf(TestServer.host to listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")))))
        val failed = f.ok("newCall", mapOf("client" to mismatch.getValue("client"), "url" to TestServer.url("good", "/")))
        assertEquals(errorKeys("PinMismatch"), f.failing("execute", failed).fields.keys)
        val untrusted = f.ok("newCall", mapOf("client" to id, "url" to TestServer.url("untrusted", "/")))
        val untrustedError = f.failing("execute", untrusted)
        assertEquals("UntrustedCertificate", untrustedError.code)
        assertEquals(errorKeys("UntrustedCertificate"), untrustedError.fields.keys)
        val unknown = f.failing("execute", mapOf("call" to 9999))
        assertEquals("UnknownHandle", unknown.code)
        assertEquals(errorKeys("UnknownHandle"), unknown.fields.keys)
        for ((code, target) in listOf(
            "InvalidUrl" to "ftp://${TestServer.host}/",
            "CleartextNotPermitted" to "http://${TestServer.host}:${TestServer.port("good")}/",
            "Connect" to "https://${TestServer.host}:1/",
        )) {
            val error = f.failing("execute", f.ok("newCall", mapOf("client" to id, "url" to target)))
            assertEquals(code, error.code, error.message)
            assertEquals(errorKeys(code), error.fields.keys, code)
        }
        val slow = f.ok("createClient", clientArgs("readTimeoutMs" to 300)).getValue("client")
        val timeout = f.failing("execute", f.ok("newCall", mapOf("client" to slow, "url" to TestServer.url("good", "/stall"))))
        assertEquals("Timeout", timeout.code)
        assertEquals(errorKeys("Timeout"), timeout.fields.keys)
        val single = f.failing("createClient", clientArgs("pins" to mapOf(TestServer.host to listOf(TestServer.pin("leaf")))))
        assertEquals("InvalidConfig", single.code)
        assertEquals(errorKeys("InvalidConfig"), single.fields.keys)
        assertEquals(errorKeys("BadMessage"), f.failing("newCall", mapOf("client" to id)).fields.keys)
        assertEquals(resultKeys("closeClient"), f.ok("closeClient", mapOf("client" to id)).keys)
        f.host.close()
        val closed = f.failing("openHandles", null)
        assertEquals("Closed", closed.code)
        assertEquals(errorKeys("Closed"), closed.fields.keys)
    }

    @Test
    fun `the Dart constants are generated from the table`() {
        val file = File(flutterDir, "lib/src/channel.g.dart")
        val expected = DartChannelConstants.render(channelTable)
        if (System.getenv("PINWIRE_UPDATE_FIXTURES") == "1") {
            file.writeText(expected)
            return
        }
        if (!file.isFile || file.readText() != expected) {
            fail<Unit>("${file.path} is not what channel.json gives: run PINWIRE_UPDATE_FIXTURES=1 scripts/test-flutter.sh")
        }
    }
}
