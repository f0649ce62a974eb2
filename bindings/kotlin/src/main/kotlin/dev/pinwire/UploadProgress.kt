package dev.pinwire

/**
 * Hears how much of a request body has been sent: set with [Request.Builder.uploadProgress].
 *
 * Called on the thread that writes the body after each piece the request takes (a file or stream goes
 * in 256 KiB pieces), one call at a time, in order; keep it short (post to your UI thread), the upload
 * waits for it, and so does [PinwireClient.execute]. An exception it throws is ignored. The request takes
 * a piece into a small send buffer (four pieces) that the connection drains, so the count runs at most
 * that far ahead of what the connection was handed.
 *
 * Every call comes before `execute` returns (or throws), none after:
 * - when the server read the whole body, the last call has `bytesSent` equal to the body's length (the
 *   content length, when known), so a progress bar is full when the response arrives;
 * - when the server answered before reading it all (a `413`, or an answer that needs no body), the
 *   upload ends there: the calls stop at what the request had taken by then, short of the total, and
 *   `execute` returns without waiting for the rest;
 * - when the call fails or is cancelled, the calls stop where the upload stopped.
 */
fun interface UploadProgressListener {
    /** [bytesSent] of [totalBytes] (-1 when the length is unknown) have been taken by the request. */
    fun onProgress(bytesSent: Long, totalBytes: Long)
}
