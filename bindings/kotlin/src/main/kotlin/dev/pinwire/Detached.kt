package dev.pinwire

import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async

/**
 * Runs the UniFFI suspend calls whose results own native memory (a response, a body chunk) so that
 * cancelling the caller never frees their Rust future.
 *
 * UniFFI's Kotlin frees the Rust future of a call whose coroutine is cancelled. If the future has
 * completed by then, its result has already been lowered (into a buffer the Kotlin side is to read and
 * free, holding a body chunk of up to 256 KiB, or the handle of a native response) and is freed unread:
 * that memory, and a response's connection, are never released. The window is wide: with Kotlin's
 * prompt cancellation it lasts until the caller's coroutine is dispatched again. So the call runs in a
 * job of its own that no caller cancels; the caller's cancellation runs `onCancel` instead, which must
 * make the Rust side end the call at once (cancel its token, discard the body), and a result that still
 * arrives goes to `onLate`.
 */
internal object Detached {
    /** The job no caller cancels; also where streamed request bodies are written. */
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @OptIn(ExperimentalCoroutinesApi::class)
    suspend fun <T> call(onCancel: () -> Unit, onLate: (T) -> Unit = {}, block: suspend () -> T): T {
        // Undispatched: the call starts on the caller's thread, as a direct call would.
        val call = scope.async(start = CoroutineStart.UNDISPATCHED) { block() }
        try {
            return call.await()
        } catch (e: CancellationException) {
            onCancel()
            call.invokeOnCompletion { failure -> if (failure == null) onLate(call.getCompleted()) }
            throw e
        }
    }
}
