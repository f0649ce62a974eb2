package dev.pinwire

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob

/**
 * The job no caller cancels, where streamed request bodies are written: the caller's cancellation reaches
 * a body's writer through its call (the request ends, further writes are refused), never by cancelling
 * the writer mid-write.
 *
 * It once also ran the UniFFI suspend calls whose results own native memory (`execute` and the body
 * reads), because UniFFI's Kotlin frees a cancelled call's completed result unread (found by the Kotlin
 * soak). Those calls now cross by JNI ([dev.pinwire.internal.NativeCall]), which keeps the same
 * guarantees itself: a cancelled call or read releases its call at once, a result that arrives after the
 * cancellation is released, and a cancelled body read discards the body.
 */
internal object Detached {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
}
