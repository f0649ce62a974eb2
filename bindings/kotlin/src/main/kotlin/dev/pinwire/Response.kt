package dev.pinwire

import dev.pinwire.internal.NativeBody
import dev.pinwire.internal.NativeHead
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
class Response internal constructor(head: NativeHead) : Closeable {
    private val closed = AtomicBoolean(false)
    private val bodyClosed = AtomicBoolean(false)

    /** The rest of the body in Rust; null when [start] was all of it. */
    private val body: NativeBody? = head.body

    /** What of the body came with the headers, until it is read. */
    @Volatile
    private var start: ByteArray? = head.start

    /** The status code, e.g. 200. */
    val status: Int = head.status

    /** `HTTP/1.1` or `HTTP/2.0`. */
    val version: String = head.version

    /** The final URL, after redirects. */
    val url: String = head.url

    /** The response headers, in order. */
    val headers: Headers = head.headers

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
        return discardingOnCancel { rest.chunk() }
    }

    /** The rest of the body. Cancelling the reading coroutine discards it, as [closeBody] does. */
    suspend fun bytes(): ByteArray {
        checkReadable()
        val head = takeStart()
        val rest = body ?: return head ?: ByteArray(0)
        return discardingOnCancel { rest.bytes(head, headers["content-length"]?.toLongOrNull()) }
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
        body?.release()
    }

    /** Closes the body and frees the native response. Harmless when called again. */
    override fun close() {
        if (closed.compareAndSet(false, true)) {
            start = null
            bodyClosed.set(true)
            body?.release()
        }
    }

    override fun toString(): String = "Response($status $version $url)"

    private fun checkReadable() {
        if (closed.get()) throw ClosedException("response")
        if (bodyClosed.get()) throw ClosedException("response body")
    }

    /**
     * Runs a body read; its cancellation discards the body, as [closeBody] does (the native read has
     * already released the call), so later reads throw [ClosedException].
     */
    private inline fun <T> discardingOnCancel(read: () -> T): T = try {
        read()
    } catch (e: CancellationException) {
        closeBody()
        throw e
    }

    private fun takeStart(): ByteArray? = synchronized(this) { start.also { start = null } }

    /** Reads the rest of the body straight into the caller's array: no array of its own per read. */
    private inner class BodyStream : InputStream() {
        /** The body start, until read. */
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
            if (ended) return -1
            checkReadable()
            if (position >= buffer.size) {
                takeStart()?.let {
                    buffer = it
                    position = 0
                }
            }
            if (position < buffer.size) {
                val n = minOf(len, buffer.size - position)
                System.arraycopy(buffer, position, b, off, n)
                position += n
                return n
            }
            val rest = body
            val n = if (rest == null) -1 else readRest(rest, b, off, len)
            if (n < 0) ended = true
            return n
        }

        override fun available(): Int = buffer.size - position

        override fun close() = closeBody()

        /** What has arrived, without leaving the thread; else waits (interruptible, as a coroutine). */
        private fun readRest(rest: NativeBody, b: ByteArray, off: Int, len: Int): Int = try {
            rest.tryRead(b, off, len).takeIf { it != NativeBody.WOULD_BLOCK } ?: runBlocking { rest.read(b, off, len) }
        } catch (e: InterruptedException) {
            throw InterruptedIOException("reading the response body was interrupted").apply { initCause(e) }
        } catch (e: CancellationException) {
            throw InterruptedIOException("the call was cancelled").apply { initCause(e) }
        }
    }
}
