package dev.pinwire.android

import android.util.Base64
import androidx.test.platform.app.InstrumentationRegistry
import dev.pinwire.PinMismatchException
import dev.pinwire.PinwireClient
import dev.pinwire.Request
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Test

/**
 * On an emulator (.github/workflows/android.yml): the AAR's native library, JNA and the Kotlin API over
 * real TLS against pinwire-testserver running on the host, reached at 10.0.2.2. The workflow passes the
 * server's JSON line (ports, test roots, pins), base64-encoded, as the instrumentation argument
 * `pinwireServer`.
 */
class PinnedFetchTest {
    private val server: JSONObject by lazy {
        val encoded = InstrumentationRegistry.getArguments().getString("pinwireServer")
            ?: error("instrumentation argument pinwireServer (the test server's JSON, base64) is missing")
        JSONObject(String(Base64.decode(encoded, Base64.DEFAULT)))
    }
    private val host get() = server.getString("host")
    private val pins get() = server.getJSONObject("pins")
    private val roots get() = server.getJSONObject("roots_pem")

    private fun client(vararg rootsPem: String) = PinwireClient {
        add(host, pins.getString("intermediate"), pins.getString("root"))
        trustedRootsPem(*rootsPem)
        platformTrust(false)
        resolve(host, HOST_LOOPBACK)
    }

    private fun url(server: String) = "https://$host:${this.server.getJSONObject("ports").getInt(server)}/"

    @Test
    fun pinnedFetchSucceeds() {
        Pinwire.init(InstrumentationRegistry.getInstrumentation().targetContext)
        client(roots.getString("test")).use { client ->
            client.executeBlocking(Request.get(url("good"))).use { response ->
                assertEquals(200, response.status)
            }
        }
    }

    @Test
    fun impostorIsRefused() {
        // The impostor's chain is valid (its root is trusted here) but carries none of the pins.
        client(roots.getString("test"), roots.getString("evil")).use { client ->
            assertThrows(PinMismatchException::class.java) {
                client.executeBlocking(Request.get(url("impostor"))).close()
            }
        }
    }

    private companion object {
        /** The emulator's address of the host's loopback interface. */
        const val HOST_LOOPBACK = "10.0.2.2"
    }
}
