package dev.pinwire

import dev.pinwire.ffi.UploadProgressListener as FfiUploadProgressListener

/**
 * Hears how much of a request body has been sent: set with [Request.Builder.uploadProgress].
 *
 * Called on a Pinwire thread after each piece the connection takes (tens to hundreds of KiB), in order,
 * the last time with the whole body; keep it short (post to your UI thread), the upload waits for it.
 * An exception it throws is ignored.
 */
fun interface UploadProgressListener {
    /** [bytesSent] of [totalBytes] (-1 when the length is unknown) have been handed to the connection. */
    fun onProgress(bytesSent: Long, totalBytes: Long)
}

internal class UploadProgressAdapter(private val listener: UploadProgressListener) : FfiUploadProgressListener {
    override fun onProgress(bytesSent: ULong, totalBytes: ULong?) {
        // A listener's exception must not unwind into the Rust side, where it would fail the upload.
        runCatching { listener.onProgress(bytesSent.toLong(), totalBytes?.toLong() ?: -1L) }
    }
}
