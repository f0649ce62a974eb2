package dev.pinwire

import com.sun.jna.CallbackThreadInitializer
import com.sun.jna.Native
import dev.pinwire.ffi.uniffiRustFutureContinuationCallbackImpl

/**
 * Keeps the Rust runtime's threads attached to the JVM once they have called into it.
 *
 * Every async call ends with Rust waking the Kotlin coroutine through a JNA callback, made from one of
 * the Rust runtime's few long-lived threads. By default JNA attaches such a thread to the JVM for the
 * callback and detaches it afterwards, which creates a `java.lang.Thread` each time: tens of
 * microseconds per request. Kept attached, a thread is detached by JNA when it exits.
 */
internal object NativeThreads {
    init {
        Native.setCallbackThreadInitializer(
            uniffiRustFutureContinuationCallbackImpl,
            CallbackThreadInitializer(true, false, "pinwire-callback"),
        )
    }

    /** Runs the set-up above once per JVM (the object's initialisation); free afterwards. */
    fun keepAttached() = Unit
}
