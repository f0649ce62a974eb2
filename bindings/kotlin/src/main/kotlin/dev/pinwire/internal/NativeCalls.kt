package dev.pinwire.internal

import com.sun.jna.NativeLibrary

/**
 * The JNI methods of the request path (the Rust side is `bindings/src/jni/exports.rs`). Every other
 * native call goes through the UniFFI bindings.
 *
 * Handles are numbers the Rust side looks up in a table: a released or made-up handle is an error
 * ([NativeFailure]), never a crash. Failures are thrown as [NativeFailure]; use [NativeCall], which maps
 * them to Pinwire's exceptions.
 */
internal object NativeCalls {
    init {
        loadLibrary()
    }

    /** A new call on [client] (a handle from the UniFFI client's `jniHandle`). */
    @JvmStatic external fun newCall(client: Long): Long

    /**
     * Sends the request on the Rust runtime and returns at once; the response head and the start of the
     * body (encoded, see [NativeCall]) or the error reach [completion] later, from a thread of that runtime.
     * [headers] alternates names and values; [bodyHandle] is a streamed body from [openBody] (0 for none,
     * else [body] is null); a negative [callTimeoutNanos] means none; [decompress] is 1 or 0 to override the
     * client's setting, negative to keep it; [followRedirects] false returns a redirect as the response.
     * Throws [NativeFailure] when the request cannot start (a released handle, a header that is not valid).
     */
    @JvmStatic external fun start(
        call: Long,
        method: String,
        url: String,
        headers: Array<String>,
        body: ByteArray?,
        bodyHandle: Long,
        callTimeoutNanos: Long,
        decompress: Int,
        followRedirects: Boolean,
        completion: NativeCompletion,
    )

    /** A request body to write while it is sent, of [contentLength] bytes (unknown when negative). */
    @JvmStatic external fun openBody(contentLength: Long): Long

    /**
     * Sends [length] bytes of [from] at [offset], blocking while the request is not ready for more: call
     * it on an IO thread. Fails with `Closed` once the request stopped reading the body.
     */
    @JvmStatic external fun writeBody(body: Long, from: ByteArray, offset: Int, length: Int)

    /** Ends the body; fails when fewer bytes than declared were written. */
    @JvmStatic external fun finishBody(body: Long)

    /** Ends the body with an error naming [reason]: the request fails. */
    @JvmStatic external fun abortBody(body: Long, reason: String)

    /** Refuses writes to the body from now on, a waiting one included (`Closed`); finishing still works. */
    @JvmStatic external fun stopBody(body: Long)

    /** The bytes written to the body so far. */
    @JvmStatic external fun bodyWritten(body: Long): Long

    /**
     * Copies up to [length] body bytes that have arrived into [into] at [offset]: the count, [END] at the
     * end of the body, or [WOULD_BLOCK] when nothing has arrived (then wait with [awaitBody]).
     */
    @JvmStatic external fun read(call: Long, into: ByteArray, offset: Int, length: Int): Int

    /**
     * Returns at once; [completion] is completed (with an empty array), from a thread of the Rust runtime,
     * once [read] has something to return, or failed with the body's error.
     */
    @JvmStatic external fun awaitBody(call: Long, completion: NativeCompletion)

    /** Cancels the call and its body reads; harmless on a released handle. */
    @JvmStatic external fun cancel(call: Long)

    /** Releases a client or call handle (a call is cancelled and its body dropped); harmless twice. */
    @JvmStatic external fun release(handle: Long)

    /** The handles not yet released: tests check that none leak. */
    @JvmStatic external fun handleCount(): Long

    const val END = -1
    const val WOULD_BLOCK = -2

    /**
     * The library UniFFI's bindings use. On Android it is on the library path; on a desktop JVM it is
     * where JNA found it (`jna.library.path`), loaded again by path so the JVM binds these methods to it.
     */
    private fun loadLibrary() {
        val name = System.getProperty("uniffi.component.pinwire_ffi.libraryOverride") ?: "pinwire_ffi"
        try {
            System.loadLibrary(name)
        } catch (notOnPath: UnsatisfiedLinkError) {
            val file = NativeLibrary.getInstance(name).file ?: throw notOnPath
            System.load(file.absolutePath)
        }
    }
}

/** A failure of a [NativeCalls] method: a Pinwire error in UniFFI's encoding, mapped by [NativeCall]. */
internal class NativeFailure(val encoded: ByteArray) : RuntimeException("a Pinwire native call failed", null, false, false)
