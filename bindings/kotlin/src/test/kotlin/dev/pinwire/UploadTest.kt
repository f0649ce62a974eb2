package dev.pinwire

import dev.pinwire.internal.NativeCalls
import java.io.File
import java.io.IOException
import java.io.InputStream
import java.security.MessageDigest
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Streamed uploads against the test server's `/upload/digest` (which answers with the length and SHA-256
 * of what it read, never echoing the body) and `/upload/multipart` (which parses the form with `multer`).
 */
class UploadTest {
    private val digestUrl = TestServer.url("http1", "/upload/digest")

    /** Byte `i` is `i % 251`: lost, repeated or swapped pieces change the digest. */
    private class PatternStream(private val length: Long) : InputStream() {
        val read = AtomicLong(0)
        val closed = AtomicBoolean(false)

        override fun read(): Int {
            val one = ByteArray(1)
            return if (read(one, 0, 1) < 0) -1 else one[0].toInt() and 0xff
        }

        override fun read(b: ByteArray, off: Int, len: Int): Int {
            val at = read.get()
            if (at >= length) return -1
            val n = minOf(len.toLong(), length - at).toInt()
            for (i in 0 until n) b[off + i] = ((at + i) % 251).toByte()
            read.addAndGet(n.toLong())
            return n
        }

        override fun close() = closed.set(true)
    }

    private fun sha256(input: InputStream): String {
        val digest = MessageDigest.getInstance("SHA-256")
        val buffer = ByteArray(1 shl 20)
        input.use {
            while (true) {
                val n = it.read(buffer)
                if (n < 0) break
                digest.update(buffer, 0, n)
            }
        }
        return digest.digest().joinToString("") { "%02x".format(it) }
    }

    private fun sha256(bytes: ByteArray): String = sha256(bytes.inputStream())

    @Suppress("UNCHECKED_CAST")
    private suspend fun PinwireClient.upload(request: Request): Map<String, Any?> = execute(request).use { response ->
        val text = response.string()
        assertEquals(200, response.status, text)
        Json.parse(text) as Map<String, Any?>
    }

    private fun Map<String, Any?>.long(key: String) = (getValue(key) as Number).toLong()

    private fun residentBytes(): Long =
        File("/proc/self/status").readLines().first { it.startsWith("VmRSS:") }
            .split(Regex("\\s+"))[1].toLong() * 1024

    @Test
    fun `a 256 MiB file streams with its length and digest, progress reaches the total, and RSS grows under 16 MiB`() = runBlocking<Unit> {
        val length = 256L * 1024 * 1024
        val file = File.createTempFile("pinwire-upload", ".bin")
        try {
            PatternStream(length).use { source -> file.outputStream().use { source.copyTo(it, 1 shl 20) } }
            val expected = sha256(file.inputStream())
            testClient { http1Only() }.use { client ->
                // Warm up (connection, TLS, JIT, the native buffers) so the measure below is the upload's own.
                val warm = File.createTempFile("pinwire-warm", ".bin")
                try {
                    PatternStream(16L * 1024 * 1024).use { source -> warm.outputStream().use { source.copyTo(it) } }
                    client.upload(Request.post(digestUrl, warm.asRequestBody()))
                } finally {
                    warm.delete()
                }
                System.gc()
                val before = residentBytes()
                val last = AtomicReference<Pair<Long, Long>>()
                val calls = AtomicLong(0)
                // The highest resident size seen during the upload, sampled at every progress call.
                val peak = AtomicLong(before)
                val request = Request(digestUrl) {
                    post(file.asRequestBody("application/octet-stream"))
                    uploadProgress { sent, total ->
                        calls.incrementAndGet()
                        last.set(sent to total)
                        peak.accumulateAndGet(residentBytes(), ::maxOf)
                    }
                }
                val seen = withTimeout(120.seconds) { client.upload(request) }
                System.gc()
                val growth = residentBytes() - before
                val peakGrowth = peak.get() - before
                println(
                    "UploadTest: 256 MiB uploaded, RSS growth ${growth / 1024} KiB after, " +
                        "${peakGrowth / 1024} KiB at the peak, ${calls.get()} progress calls",
                )
                assertEquals(length, seen.long("length"))
                assertEquals(expected, seen["sha256"])
                assertEquals(length.toString(), seen["content_length"], "sent with Content-Length")
                assertEquals(false, seen["chunked"])
                assertEquals(length to length, last.get(), "progress reaches the total")
                assertTrue(calls.get() >= length / (256 * 1024), "progress heard ${calls.get()} times")
                assertTrue(growth < 16L * 1024 * 1024, "RSS grew by ${growth / 1024} KiB")
                // The transient peak (young-generation garbage, the native allocator's per-thread arenas) is
                // larger, but far from the body's size: the file was never held whole.
                assertTrue(peakGrowth < 64L * 1024 * 1024, "RSS peaked ${peakGrowth / 1024} KiB above the start")
            }
        } finally {
            file.delete()
        }
    }

    @Test
    fun `streams, flows and writers upload what they yield, chunked when the length is unknown`() = runBlocking<Unit> {
        val length = 3 * 1024 * 1024 + 17
        val data = ByteArray(length) { (it % 251).toByte() }
        val expected = sha256(data)
        testClient { http1Only() }.use { client ->
            val bodies = mapOf(
                "stream, length known" to { PatternStream(length.toLong()).asRequestBody(length.toLong()) },
                "stream, length unknown" to { PatternStream(length.toLong()).asRequestBody() },
                "flow" to {
                    flow { for (i in 0 until length step 100_000) emit(data.copyOfRange(i, minOf(length, i + 100_000))) }
                        .asRequestBody()
                },
                "writer" to { RequestBody.writer(length.toLong()) { sink -> sink.write(data, 0, 10); sink.write(data, 10, length - 10) } },
                "output stream" to {
                    RequestBody.fromOutputStream { out -> for (b in data.toList().chunked(4096)) out.write(b.toByteArray()) }
                },
                "bytes with progress" to { data.toRequestBody() },
            )
            val handles = NativeCalls.handleCount()
            for ((name, body) in bodies) {
                val heard = AtomicLong(-2)
                val seen = client.upload(Request(digestUrl) { post(body()); uploadProgress { sent, _ -> heard.set(sent) } })
                assertEquals(length.toLong(), seen.long("length"), name)
                assertEquals(expected, seen["sha256"], name)
                val known = name.contains("known") && !name.contains("unknown") || name == "writer" || name.startsWith("bytes")
                assertEquals(!known, seen["chunked"], name)
                assertEquals(if (known) length.toString() else null, seen["content_length"], name)
                assertEquals(length.toLong(), heard.get(), "$name: progress reaches the end")
            }
            assertTrue(eventually { NativeCalls.handleCount() == handles }, "no body or call handle is left")
        }
    }

    @Test
    fun `execute returns after the last progress event, the whole body's, and no event comes later`() = runBlocking<Unit> {
        val length = 3L * 1024 * 1024
        val data = ByteArray(length.toInt()) { (it % 251).toByte() }
        val expected = sha256(data)
        // Every run's events, each with whether execute had returned when the listener recorded it.
        val runs = mutableListOf<Pair<String, ConcurrentLinkedQueue<Pair<Long, Boolean>>>>()
        for (server in listOf("http1", "good")) {
            testClient().use { client ->
                val handles = NativeCalls.handleCount()
                for (run in 1..6) {
                    val name = "$server, run $run"
                    val events = ConcurrentLinkedQueue<Pair<Long, Boolean>>().also { runs += name to it }
                    val returned = AtomicBoolean(false)
                    val body = if (run % 2 == 0) data.toRequestBody() else PatternStream(length).asRequestBody(length)
                    val request = Request(TestServer.url(server, "/upload/digest")) {
                        post(body)
                        uploadProgress { sent, total ->
                            assertEquals(length, total)
                            // A listener that takes a moment (posting to a UI thread, say): the event it
                            // records last would come after the server's answer unless execute waits for it.
                            Thread.sleep(20)
                            events.add(sent to returned.get())
                        }
                    }
                    val response = withTimeout(60.seconds) { client.execute(request) }
                    returned.set(true)
                    val atReturn = events.toList()
                    val text = response.use { it.string() }
                    assertTrue(text.contains(expected), "$name: the server read the whole body: $text")
                    assertEquals(length, atReturn.lastOrNull()?.first, "$name: the last event before execute returned")
                    assertEquals(atReturn.map { it.first }.sorted(), atReturn.map { it.first }, "$name: in order")
                }
                assertTrue(eventually { NativeCalls.handleCount() == handles }, "no body or call handle is left")
            }
        }
        // A late event would be recorded by now (each upload's writer had at least a second to report it).
        delay(1000)
        for ((name, events) in runs) {
            val late = events.filter { (_, afterReturn) -> afterReturn }
            assertTrue(late.isEmpty(), "$name: events after execute returned: $late")
        }
    }

    @Test
    fun `a server that answers before reading the body is heard at once, and progress stops at what was sent`() = runBlocking<Unit> {
        val length = 256L * 1024 * 1024
        for (server in listOf("http1", "good")) {
            testClient().use { client ->
                val handles = NativeCalls.handleCount()
                val source = PatternStream(length)
                val returned = AtomicBoolean(false)
                val late = AtomicLong(0)
                val events = ConcurrentLinkedQueue<Long>()
                val request = Request(TestServer.url(server, "/upload/early")) {
                    post(source.asRequestBody(length))
                    uploadProgress { sent, _ ->
                        if (returned.get()) late.incrementAndGet()
                        events.add(sent)
                    }
                }
                val started = TimeSource.Monotonic.markNow()
                // The server keeps the body unread for a minute: a writer waiting for it would hold this up.
                val response = withTimeout(30.seconds) { client.execute(request) }
                returned.set(true)
                val took = started.elapsedNow()
                val atReturn = events.toList()
                response.use {
                    assertEquals(413, it.status, "$server")
                    assertTrue(it.string().contains("answered before reading"), "$server: the answer's body")
                }
                println("UploadTest: $server answered early after $took, ${atReturn.lastOrNull()} bytes reported sent")
                assertTrue(atReturn.all { it < length }, "$server: events stop short of the body: $atReturn")
                assertEquals(atReturn.sorted(), atReturn, "$server: in order")
                assertTrue(source.read.get() < length, "$server: the source was not read through")
                delay(500)
                assertEquals(0L, late.get(), "$server: no event after execute returned")
                assertEquals(atReturn, events.toList(), "$server: events stop at what was sent")
                assertTrue(eventually { NativeCalls.handleCount() == handles }, "no body or call handle is left")
                // The client goes on working. Over HTTP/1.1 the cut-short body closed its connection; over
                // HTTP/2 the body the server holds unread keeps the connection's shared window taken (the
                // server's doing), so only HTTP/1.1 is asked again here.
                if (server == "http1") {
                    val seen = client.upload(Request.post(TestServer.url(server, "/upload/digest"), "after".toRequestBody()))
                    assertEquals(5L, seen.long("length"))
                }
            }
        }
    }

    @Test
    fun `cancelling at half way ends the call and stops reading the source`() = runBlocking<Unit> {
        val length = 128L * 1024 * 1024
        testClient { http1Only() }.use { client ->
            val handles = NativeCalls.handleCount()
            val source = PatternStream(length)
            val callRef = AtomicReference<Call>()
            val request = Request(digestUrl) {
                post(source.asRequestBody(length))
                uploadProgress { sent, _ -> if (sent >= length / 2) callRef.get().cancel() }
            }
            val call = client.newCall(request).also(callRef::set)
            withTimeout(60.seconds) {
                assertThrows<CancellationException> { call.execute() }
            }
            assertTrue(eventually { source.closed.get() }, "the source is closed: the writer ended")
            val read = source.read.get()
            assertTrue(read >= length / 2 && read < length, "read $read of $length bytes")
            // The client goes on working.
            val seen = client.upload(Request.post(digestUrl, "after".toRequestBody()))
            assertEquals(5L, seen.long("length"))
            assertTrue(eventually { NativeCalls.handleCount() == handles }, "no body or call handle is left")
        }
    }

    @Test
    fun `a source that fails fails the call with its own exception`() = runBlocking<Unit> {
        testClient { http1Only() }.use { client ->
            val failing = object : InputStream() {
                var given = 0
                override fun read(): Int = throw UnsupportedOperationException()
                override fun read(b: ByteArray, off: Int, len: Int): Int {
                    if (given >= 1024 * 1024) throw IOException("disk on fire")
                    given += len
                    return len
                }
            }
            val handles = NativeCalls.handleCount()
            val thrown = assertThrows<IOException> { client.execute(Request.post(digestUrl, failing.asRequestBody())) }
            assertEquals("disk on fire", thrown.message)
            assertTrue(eventually { NativeCalls.handleCount() == handles }, "no body or call handle is left")
        }
    }

    @Test
    fun `a multipart form is parsed back by the server`() = runBlocking<Unit> {
        val photo = File.createTempFile("pinwire-photo", ".jpg")
        try {
            val photoLength = 1024L * 1024 + 3
            PatternStream(photoLength).use { source -> photo.outputStream().use { source.copyTo(it) } }
            val form = MultipartBody.Builder()
                .addFormDataPart("title", "Holidays \u2600")
                .addFormDataPart("photo", "beach \"1\".jpg", photo.asRequestBody("image/jpeg"))
                .addFormDataPart("log", "log.bin", PatternStream(5000).asRequestBody())
                .build()
            assertTrue(form.contentType.startsWith("multipart/form-data; boundary="), form.contentType)
            assertEquals(-1, form.contentLength, "a part of unknown length makes the form's unknown")
            val sized = MultipartBody.Builder().addFormDataPart("a", "b").build()
            assertTrue(sized.contentLength > 0)
            assertTrue(sized.boundary != form.boundary, "boundaries are random")
            assertThrows<InvalidConfigException> {
                MultipartBody.Builder().addFormDataPart("f", null, "x".toRequestBody("text/plain\r\nX-Evil: 1")).build()
            }

            testClient().use { client ->
                val seen = client.upload(Request.post(TestServer.url("good", "/upload/multipart"), form))
                @Suppress("UNCHECKED_CAST")
                val parts = seen.getValue("parts") as List<Map<String, Any?>>
                assertEquals(3, parts.size)
                assertEquals("title", parts[0]["name"])
                assertEquals("Holidays \u2600", parts[0]["text"])
                assertNull(parts[0]["filename"])
                assertEquals("photo", parts[1]["name"])
                assertEquals("beach %221%22.jpg", parts[1]["filename"])
                assertEquals("image/jpeg", parts[1]["content_type"])
                assertEquals(photoLength, parts[1].long("length"))
                assertEquals(sha256(photo.inputStream()), parts[1]["sha256"])
                assertEquals("log.bin", parts[2]["filename"])
                assertEquals(sha256(PatternStream(5000)), parts[2]["sha256"])
            }
        } finally {
            photo.delete()
        }
    }
}
