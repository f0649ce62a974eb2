package dev.pinwire.okhttp

import com.google.gson.Gson
import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import java.security.MessageDigest
import java.util.concurrent.TimeUnit
import okhttp3.MediaType
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.RequestBody
import okhttp3.RequestBody.Companion.toRequestBody
import okio.BufferedSink
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import retrofit2.Call
import retrofit2.Retrofit
import retrofit2.converter.gson.GsonConverterFactory
import retrofit2.http.Body
import retrofit2.http.POST

/** What the test server's `/upload/digest` saw of a request body. */
data class Digest(val length: Long, val sha256: String, val content_length: String?, val chunked: Boolean, val version: String)

interface UploadApi {
    @POST("upload/digest")
    fun digest(@Body body: RequestBody): Call<Digest>
}

/**
 * OkHttp request bodies stream into the Rust request as they are written: the body below waits, half
 * written, until the connection to the server is open, which only happens if Pinwire is already sending
 * what was written (a body read whole into memory first would wait forever, and fail after 10 s).
 */
class UploadTest {
    private val port = TestServer.port("http1")

    /** [size] bytes of a repeating pattern, of unknown length, that pauses at half way as described above. */
    private inner class PausingBody(private val size: Int, private val before: Int) : RequestBody() {
        var sawConnectionMidBody = false

        override fun contentType(): MediaType = "application/octet-stream".toMediaType()

        override fun contentLength(): Long = -1

        override fun writeTo(sink: BufferedSink) {
            val piece = ByteArray(64 * 1024) { (it % 251).toByte() }
            var written = 0
            while (written < size) {
                if (written == size / 2) {
                    sink.flush()
                    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
                    while (establishedConnectionsTo(port) <= before && System.nanoTime() < deadline) Thread.sleep(10)
                    sawConnectionMidBody = establishedConnectionsTo(port) > before
                }
                val n = minOf(piece.size, size - written)
                sink.write(piece, 0, n)
                written += n
            }
        }
    }

    private fun expectedSha256(size: Int): String {
        val digest = MessageDigest.getInstance("SHA-256")
        val piece = ByteArray(64 * 1024) { (it % 251).toByte() }
        var left = size
        while (left > 0) {
            val n = minOf(piece.size, left)
            digest.update(piece, 0, n)
            left -= n
        }
        return digest.digest().joinToString("") { "%02x".format(it) }
    }

    @Test
    fun `a Retrofit upload streams from OkHttp's RequestBody, chunked when its length is unknown`() {
        val size = 8 * 1024 * 1024
        pinnedClient { http1Only() }.use { client ->
            val api = Retrofit.Builder()
                .baseUrl(TestServer.url("http1", "/"))
                .callFactory(PinwireCallFactory(client))
                .addConverterFactory(GsonConverterFactory.create())
                .build()
                .create(UploadApi::class.java)
            val body = PausingBody(size, establishedConnectionsTo(port))
            val digest = api.digest(body).execute().body()!!
            assertTrue(body.sawConnectionMidBody, "the request was being sent while its body was half written")
            assertEquals(size.toLong(), digest.length)
            assertEquals(expectedSha256(size), digest.sha256)
            assertTrue(digest.chunked, "sent chunked")
            assertNull(digest.content_length)
        }
    }

    @Test
    fun `a body of known length is sent with its Content-Length`() {
        val bytes = ByteArray(300_000) { (it % 251).toByte() }
        pinnedClient().use { client ->
            val request = okhttp3.Request.Builder()
                .url(TestServer.url("good", "/upload/digest"))
                .post(bytes.toRequestBody("application/octet-stream".toMediaType()))
                .build()
            PinwireCallFactory(client).newCall(request).execute().use { response ->
                val digest = Gson().fromJson(response.body.string(), Digest::class.java)
                assertEquals(300_000L, digest.length)
                assertEquals("300000", digest.content_length)
                assertEquals(false, digest.chunked)
            }
        }
    }
}
