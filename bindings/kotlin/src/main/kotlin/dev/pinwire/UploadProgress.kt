package dev.pinwire

/**
 * Hears how much of a request body has been sent: set with [Request.Builder.uploadProgress].
 *
 * Called on the thread that writes the body after each piece the request takes (a file or stream goes
 * in 256 KiB pieces), in order, the last time with the whole body; keep it short (post to your UI thread), the upload waits for
 * it. An exception it throws is ignored. The request takes a piece into a small send buffer (four pieces)
 * that the connection drains, so the count runs at most that far ahead of what the connection was handed.
 */
fun interface UploadProgressListener {
    /** [bytesSent] of [totalBytes] (-1 when the length is unknown) have been taken by the request. */
    fun onProgress(bytesSent: Long, totalBytes: Long)
}
