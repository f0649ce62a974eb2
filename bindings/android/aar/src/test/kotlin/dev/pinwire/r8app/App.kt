package dev.pinwire.r8app

import android.content.Context
import dev.pinwire.PinwireClient
import dev.pinwire.Pin
import dev.pinwire.Request
import dev.pinwire.android.Pinwire

/**
 * A minimal app for scripts/check-aar.sh: it uses the Pinwire API the way an app does, so R8 keeps what
 * the app reaches and shrinks the rest. What JNA and JNI reach by reflection (invisible to R8) must
 * survive through the AAR's consumer rules alone.
 */
object App {
    @JvmStatic
    fun onCreate(context: Context) {
        Pinwire.init(context)
    }

    @JvmStatic
    fun fetch(url: String, pin: String): String {
        val host = url.substringAfter("://").substringBefore('/')
        PinwireClient { add(host, pin) }.use { client ->
            client.executeBlocking(Request.get(url)).use { response ->
                return "${response.status} ${Pin.fromPublicKey(ByteArray(0))}"
            }
        }
    }
}
