package dev.pinwire.android

import android.content.Context

/** The JNI entry point, implemented in Rust (bindings/src/android.rs). Use [Pinwire.init]. */
internal object PinwireAndroid {
    /**
     * Hands the Java VM and the [PlatformTrust] class (loaded through [context]'s class loader) to the
     * Rust core. Throws if the class cannot be loaded.
     */
    @JvmStatic
    external fun nativeInit(context: Context)
}
