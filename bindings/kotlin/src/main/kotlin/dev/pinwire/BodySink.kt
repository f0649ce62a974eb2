package dev.pinwire

import java.io.InterruptedIOException
import java.io.OutputStream
import java.util.Objects
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.runBlocking
import dev.pinwire.internal.NativeBodyWriter

/**
 * Where a [RequestBody] writes itself while the request is sent. A write hands the bytes to the Rust
 * side (which copies them: the array may be reused at once) and suspends while the connection is not
 * ready for more, so memory stays bounded whatever the body's size. One write at a time.
 *
 * @throws ClosedException from a write once the request no longer reads the body (it ended, failed or
 *   was cancelled, or its response arrived before the body was all written: a server that answered
 *   early): stop writing then.
 */
class BodySink internal constructor(
    private val writer: NativeBodyWriter,
    private val progress: UploadProgressListener?,
    private val totalBytes: Long,
) {
    private var stream: SinkOutputStream? = null
    private var reported = false

    /** The bytes written so far. */
    val bytesWritten: Long get() = writer.written

    /** Writes [length] bytes of [bytes] from [offset]. */
    suspend fun write(bytes: ByteArray, offset: Int = 0, length: Int = bytes.size - offset) {
        Objects.checkFromIndexSize(offset, length, bytes.size)
        if (length == 0) return
        writer.write(bytes, offset, length)
        report()
    }

    /**
     * This sink as a blocking [OutputStream] (buffered; for code that writes to streams). Write from a
     * background thread; an interrupted thread gets an [InterruptedIOException]. What is still buffered
     * is sent when the stream is flushed or closed, and when the body's [RequestBody.writeTo] returns.
     */
    fun outputStream(): OutputStream = stream ?: SinkOutputStream().also { stream = it }

    /** Sends what [outputStream] still buffers, then ends the body. */
    internal suspend fun finish() {
        stream?.let { s -> s.drain()?.let { write(it) } }
        writer.finish()
        if (!reported) report()
    }

    /** Tells the listener what the request has taken so far; its exception is ignored. */
    private fun report() {
        val listener = progress ?: return
        reported = true
        runCatching { listener.onProgress(writer.written, totalBytes) }
    }

    private inner class SinkOutputStream : OutputStream() {
        private val buffer = ByteArray(64 * 1024)
        private var size = 0

        override fun write(b: Int) {
            if (size == buffer.size) flush()
            buffer[size++] = b.toByte()
        }

        override fun write(b: ByteArray, off: Int, len: Int) {
            Objects.checkFromIndexSize(off, len, b.size)
            if (size + len > buffer.size) flush()
            if (len >= buffer.size) {
                blocking { write(b, off, len) }
            } else {
                System.arraycopy(b, off, buffer, size, len)
                size += len
            }
        }

        override fun flush() {
            drain()?.let { blocking { write(it) } }
        }

        override fun close() = flush()

        /** What is buffered, taken out. */
        fun drain(): ByteArray? = if (size == 0) null else buffer.copyOf(size).also { size = 0 }

        private fun blocking(block: suspend BodySink.() -> Unit) = try {
            runBlocking { this@BodySink.block() }
        } catch (e: InterruptedException) {
            throw InterruptedIOException("writing the request body was interrupted").apply { initCause(e) }
        } catch (e: CancellationException) {
            throw InterruptedIOException("writing the request body was cancelled").apply { initCause(e) }
        }
    }
}
