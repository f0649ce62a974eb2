package dev.pinwire.android

import android.content.Context

/**
 * Android set-up for Pinwire: call [init] once, before building a client that uses platform trust
 * (the default), typically in `Application.onCreate`:
 *
 * ```kotlin
 * class App : Application() {
 *     override fun onCreate() {
 *         super.onCreate()
 *         Pinwire.init(this)
 *     }
 * }
 * ```
 *
 * Platform trust on Android is the app's Network Security Config (its trust anchors and `<pin-set>`s are
 * applied by Android first); Pinwire then matches its own pins against the chain Android validated.
 * Building a client with platform trust before [init] fails with an invalid-configuration error that
 * says to call it.
 */
object Pinwire {
    /** The Rust library in the AAR: jni/<abi>/libpinwire_ffi.so (also what the UniFFI bindings load). */
    private const val LIBRARY = "pinwire_ffi"

    @Volatile
    private var initialized = false

    /** True once [init] has succeeded in this process. */
    @JvmStatic
    val isInitialized: Boolean
        get() = initialized

    /**
     * Loads the native library and gives Pinwire's core what it needs to ask Android's trust manager.
     * Idempotent and thread-safe. [context] is only used to find the app's class loader; it is not kept.
     *
     * @throws UnsatisfiedLinkError if the native library for this device's ABI is missing from the app.
     */
    @JvmStatic
    fun init(context: Context) {
        if (initialized) return
        synchronized(this) {
            if (initialized) return
            // The JVM binds `external` methods only for libraries loaded with System.loadLibrary; JNA's
            // own load of the same file (for the UniFFI calls) shares this one copy in the process.
            System.loadLibrary(LIBRARY)
            PinwireAndroid.nativeInit(context.applicationContext ?: context)
            initialized = true
        }
    }
}
