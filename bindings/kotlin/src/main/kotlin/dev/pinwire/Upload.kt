package dev.pinwire

import dev.pinwire.internal.NativeBodyWriter
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch

/**
 * Runs [send] with the handle of this request's streamed body (0 when the body, if any, goes as bytes);
 * the body is written by a coroutine of its own in [scope] meanwhile. That writer stops when the body is
 * written, when the request stops reading it (the Rust side refuses further writes), or when [send]
 * fails or is cancelled. A body whose source failed fails the call with the source's own exception.
 *
 * When [send] returns, the writer is stopped (writes still to come are refused, a waiting one included)
 * and joined before this returns: the upload-progress listener has heard its last event by then, the
 * whole body's when the server read it all, and hears none afterwards. If the caller is cancelled while
 * the writer is still in the body's source, the result of [send] is closed.
 */
internal suspend fun <T : AutoCloseable> Request.sending(
    scope: CoroutineScope,
    send: suspend (bodyHandle: Long) -> T,
): T {
    val body = body
    if (body == null || (body is BytesBody && uploadProgress == null)) return send(0)

    val writer = NativeBodyWriter(body.contentLength)
    val failure = AtomicReference<Throwable?>(null)
    // The handle is released once both the pump and the call are done with it: a small body can be
    // written whole before the call has even handed its handle to Rust.
    val users = AtomicInteger(2)
    val release = { if (users.decrementAndGet() == 0) writer.release() }
    val pump = scope.launch(Dispatchers.IO) {
        val sink = BodySink(writer, uploadProgress, body.contentLength)
        try {
            body.writeTo(sink)
            sink.finish()
        } catch (e: ClosedException) {
            // The request stopped reading the body (it ended, failed or was cancelled): nothing to add.
        } catch (e: CancellationException) {
            runCatching { writer.abort("the upload was cancelled") }
        } catch (e: Throwable) {
            failure.set(e)
            runCatching { writer.abort(e.toString()) }
        } finally {
            release()
        }
    }
    val result = try {
        send(writer.handle)
    } catch (e: Throwable) {
        pump.cancel()
        // Released now: a body the request never took would leave a pump's write waiting for good.
        writer.release()
        release()
        val sourceFailure = failure.get()
        if (sourceFailure != null && e !is CancellationException) {
            sourceFailure.addSuppressed(e)
            throw sourceFailure
        }
        throw e
    }
    try {
        // The head is in, so the request reads no more of the body than the connection already took: a
        // server that answered early (a 413, or a 200 before reading) may never read the rest, and a write
        // waiting for room would wait for good. Stopped, the pump ends at its next write (or its
        // finish, for a body sent whole); joined, its last progress event comes before the response.
        writer.stop()
        pump.join()
    } catch (e: Throwable) {
        pump.cancel()
        runCatching { result.close() }
        throw e
    } finally {
        release()
    }
    return result
}
