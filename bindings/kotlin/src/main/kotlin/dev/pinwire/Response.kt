package dev.pinwire

import dev.pinwire.ffi.CancellationToken
import dev.pinwire.ffi.HttpResponse
import dev.pinwire.ffi.BodyReader
import java.io.Closeable
import java.io.InputStream
import java.io.InterruptedIOException
import java.util.Objects
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.runBlocking

/**
 * A response, handed back once its headers have arrived; the body is read on demand, once, by one of
 * [bytes], [string], [bodyFlow], [byteStream] or [chunk].
 *
 * Close it (or `use { }` it) when done: that releases the native object and the connection, also when
 * the body was not read. Closing twice is harmless; reading after [close] or [closeBody] throws
 * [ClosedException].
 */
class Response internal constructor(
    ffi: HttpResponse,
    private val token: CancellationToken?,
) : Closeable {
    private val closed = AtomicBoolean(false)
    private val bodyClosed = AtomicBoolean(false)

    /** The rest of the body in Rust; null when [start] was all of it. */
    private val body: BodyReader? = ffi.body

    /** What of the body came with the headers, until it is read. */
    @Volatile
    private var start: ByteArray? = ffi.bodyStart.takeIf { it.isNotEmpty() }

    /** The status code, e.g. 200. */
    val status: Int = ffi.status.toInt()

    /** `HTTP/1.1` or `HTTP/2.0`. */
    val version: String = ffi.version

    /** The final URL, after redirects. */
    val url: String = ffi.url

    /** The response headers, in order. */
    val headers: Headers = Headers(ffi.headers.map { it.name to it.value })

    /** Whether [status] is 2xx. */
    val isSuccessful: Boolean get() = status in 200..299

    /**
     * The next piece of the body as it arrives from the network, or null at its end. A piece holds
     * what has arrived by the time it is asked for (about 256 KiB at most); it is never empty.
     * Cancelling the reading coroutine discards the rest of the body, as [closeBody] does.
     */
    suspend fun chunk(): ByteArray? {
        checkReadable()
        takeStart()?.let { return it }
        val rest = body ?: return null
        return Detached.call(onCancel = ::closeBody) { ffiCall("response") { rest.chunk(token) } }
    }

    /** The rest of the body. Cancelling the reading coroutine discards it, as [closeBody] does. */
    suspend fun bytes(): ByteArray {
        checkReadable()
        val head = takeStart() ?: ByteArray(0)
        val rest = body ?: return head
        val tail = Detached.call(onCancel = ::closeBody) { ffiCall("response") { rest.bytes(token) } }
        return if (head.isEmpty()) tail else head + tail
    }

    /** The rest of the body as UTF-8 text (invalid sequences replaced). */
    suspend fun string(): String = bytes().decodeToString()

    /**
     * The rest of the body as a cold [Flow] of chunks, read from the network as the collector asks for
     * them: memory stays at one chunk. Collect it once. Cancelling the collector stops the read.
     */
    fun bodyFlow(): Flow<ByteArray> = flow {
        while (true) {
            emit(chunk() ?: break)
        }
    }

    /**
     * The rest of the body as a blocking [InputStream] (for Java and stream APIs), read from the network
     * as it is consumed. Call it off the main thread. Closing the stream closes the body. An interrupted
     * thread or a cancelled [Call] ends a read with [InterruptedIOException].
     */
    fun byteStream(): InputStream = BodyStream()

    /** Discards the rest of the body and releases the connection; the response's fields stay readable. */
    fun closeBody() {
        if (closed.get() || !bodyClosed.compareAndSet(false, true)) return
        start = null
        body?.let { rest -> ffiCall("response") { rest.discard() } }
    }

    /** Closes the body and frees the native response. Harmless when called again. */
    override fun close() {
        if (closed.compareAndSet(false, true)) {
            start = null
            body?.let { rest ->
                try {
                    if (bodyClosed.compareAndSet(false, true)) rest.discard()
                } finally {
                    rest.destroy()
                }
            }
        }
    }

    override fun toString(): String = "Response($status $version $url)"

    private fun checkReadable() {
        if (closed.get()) throw ClosedException("response")
        if (bodyClosed.get()) throw ClosedException("response body")
    }

    private fun takeStart(): ByteArray? = synchronized(this) { start.also { start = null } }

    private inner class BodyStream : InputStream() {
        private var buffer = ByteArray(0)
        private var position = 0
        private var ended = false

        override fun read(): Int {
            val one = ByteArray(1)
            return if (read(one, 0, 1) < 0) -1 else one[0].toInt() and 0xff
        }

        override fun read(b: ByteArray, off: Int, len: Int): Int {
            Objects.checkFromIndexSize(off, len, b.size)
            if (len == 0) return 0
            while (position >= buffer.size) {
                if (ended) return -1
                val next = nextChunk()
                if (next == null) {
                    ended = true
                    return -1
                }
                buffer = next
                position = 0
            }
            val n = minOf(len, buffer.size - position)
            System.arraycopy(buffer, position, b, off, n)
            position += n
            return n
        }

        override fun available(): Int = buffer.size - position

        override fun close() = closeBody()

        private fun nextChunk(): ByteArray? = try {
            runBlocking { chunk() }
        } catch (e: InterruptedException) {
            throw InterruptedIOException("reading the response body was interrupted").apply { initCause(e) }
        } catch (e: CancellationException) {
            throw InterruptedIOException("the call was cancelled").apply { initCause(e) }
        }
    }
}
