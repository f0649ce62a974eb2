package dev.pinwire.internal

import dev.pinwire.BytesBody
import dev.pinwire.Headers
import dev.pinwire.Request
import dev.pinwire.ffi.FfiConverterBoolean
import dev.pinwire.ffi.FfiConverterSequenceTypeHeader
import dev.pinwire.ffi.FfiConverterString
import dev.pinwire.ffi.FfiConverterTypePinwireError
import dev.pinwire.ffi.FfiConverterUShort
import dev.pinwire.toKotlin
import java.nio.ByteBuffer
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Cancels one [Call][dev.pinwire.Call] from any thread: before its native call exists (it starts
 * cancelled) or after (its request and body reads end with a cancellation).
 */
internal class CallCancellation {
    @Volatile
    private var cancelled = false

    @Volatile
    private var call = 0L

    val isCancelled: Boolean get() = cancelled

    fun cancel() {
        cancelled = true
        val handle = call
        if (handle != 0L) NativeCall.cancel(handle)
    }

    /** Both fields are volatile and each side writes its own before reading the other's: no cancel is lost. */
    internal fun attach(handle: Long) {
        call = handle
        if (cancelled) NativeCall.cancel(handle)
    }
}

/** A response head as it crosses the JNI path. */
internal class NativeHead(
    val status: Int,
    val version: String,
    val url: String,
    val headers: Headers,
    /** What of the body came with the head; null when none. */
    val start: ByteArray?,
    /** The rest of the body; null when [start] was all of it. */
    val body: NativeBody?,
)

/**
 * Where the Rust side hands over one call's outcome, once, from a thread of its runtime (see
 * `bindings/src/jni/completion.rs`). The caller's coroutine resumes through its own dispatcher; only a
 * caller on [kotlinx.coroutines.Dispatchers.Unconfined] would go on running on that thread.
 */
internal class NativeCompletion(
    private val continuation: CancellableContinuation<ByteArray>,
    private val call: Long,
) {
    /** The encoded response head (see [NativeCall.execute]); an empty array after `awaitBody`. */
    fun complete(head: ByteArray) {
        // Cancelled after the head was handed over but before the caller ran: released too.
        continuation.resume(head) { _, _, _ -> runCatching { NativeCall.release(call) } }
    }

    /** The error, in UniFFI's encoding. */
    fun fail(encoded: ByteArray) {
        continuation.resumeWithException(runCatching { NativeCall.exception(encoded) }.getOrElse { it })
    }
}

/** The JNI request path: the one place its failures become Pinwire's exceptions. */
internal object NativeCall {
    /**
     * Runs a [NativeCalls] method, turning its failure into the exception the UniFFI path throws for the
     * same error ([dev.pinwire.PinwireException] or a cancellation), through the same mapping.
     */
    inline fun <T> mapped(block: () -> T): T {
        try {
            return block()
        } catch (failure: NativeFailure) {
            throw exception(failure.encoded)
        }
    }

    /** The exception for an error in UniFFI's encoding, as the UniFFI path throws it. */
    fun exception(encoded: ByteArray): Throwable =
        FfiConverterTypePinwireError.read(ByteBuffer.wrap(encoded)).toKotlin()

    fun cancel(handle: Long) = mapped { NativeCalls.cancel(handle) }

    fun release(handle: Long) = mapped { NativeCalls.release(handle) }

    /**
     * Suspends until the native method [start] calls, handed a [NativeCompletion], completes it; no thread
     * waits meanwhile. Cancelling the caller releases [call]: what is in flight stops, and its completion
     * comes to nothing.
     */
    suspend inline fun awaitCompletion(call: Long, crossinline start: (NativeCompletion) -> Unit): ByteArray =
        suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { release(call) }
            try {
                start(NativeCompletion(continuation, call))
            } catch (failure: NativeFailure) {
                continuation.resumeWithException(exception(failure.encoded))
            }
        }

    /**
     * Sends [request] on [client] (a client handle) and returns the response head. No thread waits for
     * it: the Rust runtime resumes this coroutine through a [NativeCompletion]. [bodyHandle] is the
     * request's streamed body (see [NativeBodyWriter]), 0 when its body, if any, goes as bytes. The body's
     * content type is sent when the request has no `content-type` header of its own.
     */
    suspend fun execute(client: Long, request: Request, bodyHandle: Long, cancellation: CallCancellation?): NativeHead {
        val call = mapped { NativeCalls.newCall(client) }
        val encoded = try {
            cancellation?.attach(call)
            val contentType = request.body?.contentType?.takeIf { request.headers["content-type"] == null }
            val fields = request.headers + listOfNotNull(contentType?.let { "content-type" to it })
            val headers = Array(fields.size * 2) { "" }
            fields.forEachIndexed { index, (name, value) ->
                headers[2 * index] = name
                headers[2 * index + 1] = value
            }
            val bytes = if (bodyHandle == 0L) (request.body as? BytesBody)?.bytes else null
            check(bodyHandle != 0L || request.body == null || bytes != null) { "a streamed body needs a body handle" }
            val timeout = request.callTimeout?.inWholeNanoseconds ?: -1
            val decompress = when (request.decompress) {
                null -> -1
                true -> 1
                false -> 0
            }
            awaitCompletion(call) { completion ->
                NativeCalls.start(
                    call, request.method, request.url, headers, bytes, bodyHandle, timeout, decompress,
                    request.followRedirects, completion,
                )
            }
        } catch (e: Throwable) {
            release(call)
            throw e
        }
        return decode(call, encoded)
    }

    /** Reads what `wire::head` wrote (UniFFI's encoding), then the start of the body. */
    private fun decode(call: Long, encoded: ByteArray): NativeHead {
        val buffer = ByteBuffer.wrap(encoded)
        val status = FfiConverterUShort.read(buffer).toInt()
        val version = FfiConverterString.read(buffer)
        val url = FfiConverterString.read(buffer)
        val headers = Headers(FfiConverterSequenceTypeHeader.read(buffer).map { it.name to it.value })
        val more = FfiConverterBoolean.read(buffer)
        val start = if (buffer.hasRemaining()) encoded.copyOfRange(buffer.position(), encoded.size) else null
        if (!more) release(call)
        return NativeHead(status, version, url, headers, start, if (more) NativeBody(call) else null)
    }
}

/**
 * The rest of a response body in Rust, read into arrays the caller owns. Reads are sequential (one reader
 * at a time, as [dev.pinwire.Response] documents); [release] may come from any thread.
 */
internal class NativeBody(private val call: Long) {
    /** The buffer [chunk] fills before copying out exactly what it got. */
    private var scratch: ByteArray? = null

    /**
     * Up to [length] bytes into [into] at [offset]: the count, or [NativeCalls.END]. Takes what has
     * arrived; when nothing has, suspends (no thread waits) until something has.
     */
    suspend fun read(into: ByteArray, offset: Int, length: Int): Int {
        while (true) {
            val n = tryRead(into, offset, length)
            if (n != WOULD_BLOCK) return n
            awaitBody()
        }
    }

    /** [read] without waiting: [WOULD_BLOCK] when nothing has arrived. */
    fun tryRead(into: ByteArray, offset: Int, length: Int): Int =
        NativeCall.mapped { NativeCalls.read(call, into, offset, length) }

    /** Suspends until [tryRead] has something to return. Cancelling the caller releases the call. */
    private suspend fun awaitBody() {
        NativeCall.awaitCompletion(call) { completion -> NativeCalls.awaitBody(call, completion) }
    }

    /** The next piece: waits for data, then adds what has already arrived (up to [CHUNK_LIMIT]). */
    suspend fun chunk(): ByteArray? {
        val buffer = scratch ?: ByteArray(CHUNK_LIMIT).also { scratch = it }
        var size = read(buffer, 0, buffer.size)
        if (size < 0) return null
        while (size < buffer.size) {
            val n = tryRead(buffer, size, buffer.size - size)
            if (n < 0) break
            size += n
        }
        return buffer.copyOf(size)
    }

    /** The rest of the body after [head]; [sizeHint] (the announced length, when known) sizes the array. */
    suspend fun bytes(head: ByteArray?, sizeHint: Long?): ByteArray {
        val start = head?.size ?: 0
        val expected = sizeHint?.takeIf { it in start..MAX_ARRAY }?.toInt()
        var out = ByteArray(expected ?: maxOf(start + INITIAL, 2 * start))
        head?.copyInto(out)
        var size = start
        while (true) {
            if (size == out.size) {
                // Full: is that the end (the announced length), or is there more?
                val probe = ByteArray(1)
                if (read(probe, 0, 1) < 0) return out
                out = out.copyOf(grown(out.size))
                out[size++] = probe[0]
            }
            val n = read(out, size, out.size - size)
            if (n < 0) return if (size == out.size) out else out.copyOf(size)
            size += n
        }
    }

    fun release() = NativeCall.release(call)

    private fun grown(size: Int): Int {
        if (size >= MAX_ARRAY) throw OutOfMemoryError("a response body larger than an array")
        return minOf(MAX_ARRAY, maxOf(INITIAL.toLong(), 2L * size)).toInt()
    }

    companion object {
        /** [tryRead]'s "nothing has arrived yet". */
        const val WOULD_BLOCK = NativeCalls.WOULD_BLOCK
        private const val CHUNK_LIMIT = 256 * 1024
        private const val INITIAL = 64 * 1024
        private const val MAX_ARRAY = Int.MAX_VALUE - 8L
    }
}
