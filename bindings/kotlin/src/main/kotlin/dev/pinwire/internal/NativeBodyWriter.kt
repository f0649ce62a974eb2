package dev.pinwire.internal

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * A request body written while it is sent, on the JNI path: a handle to the core's body channel. Writes
 * are sequential (one writer at a time, as [dev.pinwire.BodySink] documents); [release] may come from any
 * thread, and makes a write that waits, or any later one, fail with a [dev.pinwire.ClosedException].
 */
internal class NativeBodyWriter(contentLength: Long) {
    /** The handle [NativeCalls.start] takes the body from. */
    val handle: Long = NativeCall.mapped { NativeCalls.openBody(contentLength) }

    /**
     * Sends [length] bytes of [bytes] from [offset] (copied on the Rust side), on an IO thread: it waits
     * there while the request is not ready for more. Cancelling the caller does not interrupt the wait;
     * the request's end (or [release]) does.
     */
    suspend fun write(bytes: ByteArray, offset: Int, length: Int) = withContext(Dispatchers.IO) {
        NativeCall.mapped { NativeCalls.writeBody(handle, bytes, offset, length) }
    }

    /** Ends the body; fails when fewer bytes than declared were written. */
    fun finish() = NativeCall.mapped { NativeCalls.finishBody(handle) }

    /**
     * Refuses writes from now on, a waiting one included ([dev.pinwire.ClosedException]); [finish] still
     * ends a body whose every byte was written. For once the call has its response head.
     */
    fun stop() = NativeCall.mapped { NativeCalls.stopBody(handle) }

    /** Ends the body with an error naming [reason]: the request fails. */
    fun abort(reason: String) = NativeCall.mapped { NativeCalls.abortBody(handle, reason) }

    /** The bytes written so far. */
    val written: Long get() = NativeCall.mapped { NativeCalls.bodyWritten(handle) }

    /** Frees the handle; a body no request took is dropped. Harmless twice. */
    fun release() = NativeCall.release(handle)
}
