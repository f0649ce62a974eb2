package dev.pinwire

import java.io.File
import java.io.FileInputStream
import java.io.InputStream
import java.io.OutputStream
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.flow.Flow

/**
 * A request body: bytes in memory, or a source read while the request is sent (a file, an
 * [InputStream], a [Flow], or code that writes to a [BodySink]), so an upload of any size never sits in
 * memory whole. The vocabulary is OkHttp's: `file.asRequestBody("video/mp4")`,
 * `bytes.toRequestBody()`, [contentType], [contentLength] (-1 when unknown).
 *
 * A body of known length is sent with `Content-Length`; one of unknown length chunked (HTTP/1.1) or as
 * plain DATA frames (HTTP/2). Pinwire reads a streamed body once per request, on a background thread
 * ([kotlinx.coroutines.Dispatchers.IO]), as the connection takes it: a slow network slows the reading,
 * it never fills memory. Such a body is not re-sent by a redirect that needs it (307, 308): that
 * redirect comes back as the response.
 *
 * Subclass it for a source of your own: say how long it is, and write it in [writeTo].
 */
abstract class RequestBody {
    /** The `content-type` sent with the body (unless the request has a `content-type` header), or null. */
    open val contentType: String? get() = null

    /** The length in bytes, or -1 when unknown. A body that writes another length fails its request. */
    abstract val contentLength: Long

    /**
     * Writes the body to [sink]: called once per request that sends it, on a background thread, where
     * blocking reads are fine. Throwing fails the request with that exception; a [ClosedException] from
     * [sink] means the request no longer reads the body (it ended, failed or was cancelled).
     */
    abstract suspend fun writeTo(sink: BodySink)

    companion object {
        /** [bytes] in memory. */
        @JvmStatic
        @JvmOverloads
        fun create(bytes: ByteArray, contentType: String? = null): RequestBody = BytesBody(bytes, contentType)

        /** [text] as UTF-8. */
        @JvmStatic
        @JvmOverloads
        fun create(text: String, contentType: String? = "text/plain; charset=utf-8"): RequestBody =
            BytesBody(text.encodeToByteArray(), contentType)

        /** The contents of [file], read while they are sent (its length is taken when the request starts). */
        @JvmStatic
        @JvmOverloads
        fun create(file: File, contentType: String? = null): RequestBody = FileBody(file.toPath(), contentType)

        /** The contents of the file at [path], read while they are sent. */
        @JvmStatic
        @JvmOverloads
        fun create(path: Path, contentType: String? = null): RequestBody = FileBody(path, contentType)

        /**
         * What [stream] yields until its end (closed afterwards): [contentLength] bytes, or -1 when
         * unknown. It can be sent once.
         */
        @JvmStatic
        @JvmOverloads
        fun create(stream: InputStream, contentLength: Long = -1, contentType: String? = null): RequestBody =
            StreamBody(stream, contentLength, contentType)

        /** The chunks [flow] emits, collected while they are sent: [contentLength] bytes, or -1 when unknown. */
        @JvmStatic
        @JvmOverloads
        fun create(flow: Flow<ByteArray>, contentLength: Long = -1, contentType: String? = null): RequestBody =
            FlowBody(flow, contentLength, contentType)

        /**
         * A body your code writes while it is sent: [write] gets the [BodySink] (suspend writes, or a
         * blocking [BodySink.outputStream]). [contentLength] bytes, or -1 when unknown.
         */
        fun writer(contentLength: Long = -1, contentType: String? = null, write: suspend (BodySink) -> Unit): RequestBody =
            WriterBody(contentLength, contentType, write)

        /**
         * A body written to a blocking [OutputStream] while it is sent (for Java, and code that writes to
         * streams, such as an okio `BufferedSink` over it). [contentLength] bytes, or -1 when unknown.
         */
        @JvmStatic
        @JvmOverloads
        fun fromOutputStream(contentLength: Long = -1, contentType: String? = null, write: OutputStreamWriter): RequestBody =
            WriterBody(contentLength, contentType) { sink -> sink.outputStream().use { write.writeTo(it) } }
    }

    /** Writes a body to a blocking [OutputStream]; see [RequestBody.fromOutputStream]. */
    fun interface OutputStreamWriter {
        /** Writes the whole body to [out]; Pinwire flushes and closes it afterwards. */
        fun writeTo(out: OutputStream)
    }
}

/** [bytes] as a body. */
fun ByteArray.toRequestBody(contentType: String? = null): RequestBody = RequestBody.create(this, contentType)

/** UTF-8 text as a body. */
fun String.toRequestBody(contentType: String? = "text/plain; charset=utf-8"): RequestBody =
    RequestBody.create(this, contentType)

/** This file's contents, read while they are sent. */
fun File.asRequestBody(contentType: String? = null): RequestBody = RequestBody.create(this, contentType)

/** This file's contents, read while they are sent. */
fun Path.asRequestBody(contentType: String? = null): RequestBody = RequestBody.create(this, contentType)

/** What this stream yields until its end, read while it is sent (once); closed afterwards. */
fun InputStream.asRequestBody(contentLength: Long = -1, contentType: String? = null): RequestBody =
    RequestBody.create(this, contentLength, contentType)

/** The chunks this flow emits, collected while they are sent. */
fun Flow<ByteArray>.asRequestBody(contentLength: Long = -1, contentType: String? = null): RequestBody =
    RequestBody.create(this, contentLength, contentType)

/** The size of the pieces a file or stream is read and handed to the Rust side in. */
internal const val PIECE = 256 * 1024

internal class BytesBody(val bytes: ByteArray, override val contentType: String?) : RequestBody() {
    override val contentLength: Long get() = bytes.size.toLong()

    override suspend fun writeTo(sink: BodySink) {
        var offset = 0
        while (offset < bytes.size) {
            val n = minOf(PIECE, bytes.size - offset)
            sink.write(bytes, offset, n)
            offset += n
        }
    }
}

/** Copies [input] to [sink] in [PIECE]s through one reused buffer (the sink copies what it is given). */
internal suspend fun copy(input: InputStream, sink: BodySink) {
    val buffer = ByteArray(PIECE)
    while (true) {
        val n = input.readNBytes(buffer, 0, buffer.size)
        if (n <= 0) return
        sink.write(buffer, 0, n)
    }
}

private class FileBody(private val path: Path, override val contentType: String?) : RequestBody() {
    override val contentLength: Long get() = Files.size(path)

    override suspend fun writeTo(sink: BodySink) = FileInputStream(path.toFile()).use { copy(it, sink) }
}

private class StreamBody(
    private val stream: InputStream,
    override val contentLength: Long,
    override val contentType: String?,
) : RequestBody() {
    override suspend fun writeTo(sink: BodySink) = stream.use { copy(it, sink) }
}

private class FlowBody(
    private val flow: Flow<ByteArray>,
    override val contentLength: Long,
    override val contentType: String?,
) : RequestBody() {
    override suspend fun writeTo(sink: BodySink) = flow.collect { sink.write(it) }
}

private class WriterBody(
    override val contentLength: Long,
    override val contentType: String?,
    private val write: suspend (BodySink) -> Unit,
) : RequestBody() {
    override suspend fun writeTo(sink: BodySink) = write(sink)
}
