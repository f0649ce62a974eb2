package dev.pinwire

import dev.pinwire.ffi.HttpRequest
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import dev.pinwire.ffi.BodyWriter as FfiBodyWriter

/**
 * Runs [send] with this request in its FFI form; a streamed body is written by a coroutine of its own
 * in [scope] meanwhile. That writer stops when the body is written, when the request stops reading it
 * (the Rust side refuses further writes), or when [send] fails or is cancelled. A body whose source
 * failed fails the call with the source's own exception.
 */
internal suspend fun <T> Request.sending(scope: CoroutineScope, send: suspend (HttpRequest) -> T): T {
    val body = body
    if (body == null || (body is BytesBody && uploadProgress == null)) return send(toFfi(null))

    val length = body.contentLength.takeIf { it >= 0 }?.toULong()
    val writer = FfiBodyWriter(length, uploadProgress?.let(::UploadProgressAdapter))
    val failure = AtomicReference<Throwable?>(null)
    // The writer is freed once both the pump and the call are done with it: a small body can be written
    // whole before the call has even handed the request (and its reference to the writer) to Rust.
    val users = AtomicInteger(2)
    val release = { if (users.decrementAndGet() == 0) writer.destroy() }
    val ffiRequest = try {
        toFfi(writer)
    } catch (e: Throwable) {
        writer.destroy()
        throw e
    }
    val pump = scope.launch(Dispatchers.IO) {
        val sink = BodySink(writer)
        try {
            body.writeTo(sink)
            sink.finish()
        } catch (e: ClosedException) {
            // The request stopped reading the body (it ended, failed or was cancelled): nothing to add.
        } catch (e: CancellationException) {
            writer.abort("the upload was cancelled")
        } catch (e: Throwable) {
            failure.set(e)
            writer.abort(e.toString())
        } finally {
            release()
        }
    }
    try {
        return send(ffiRequest)
    } catch (e: Throwable) {
        pump.cancel()
        val sourceFailure = failure.get()
        if (sourceFailure != null && e !is CancellationException) {
            sourceFailure.addSuppressed(e)
            throw sourceFailure
        }
        throw e
    } finally {
        release()
    }
}
