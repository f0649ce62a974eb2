package dev.pinwire

import dev.pinwire.ffi.NscImportOptions
import java.io.Closeable
import dev.pinwire.ffi.PinConfig as FfiPinConfig

/**
 * A pin configuration read from a file by the Rust core's importers (Pinwire JSON, Android's Network Security
 * Config, TrustKit's dictionary as JSON or plist: the same formats the Swift package reads): pin rules, trust
 * anchors and report URIs, for [PinwireClient.Builder.config]. A file that is malformed or unsafe is an [InvalidConfigException]
 * naming the file, line and column, never a weaker policy; parts that were understood but not used are
 * listed in [warnings].
 *
 * ```
 * val config = PinConfig.fromNscXml(assets.open("network_security_config.xml").reader().readText(), targetSdkVersion = 34)
 * val client = PinwireClient { config(config) }
 * ```
 */
class PinConfig private constructor(private val ffi: FfiPinConfig) : Closeable {
    private var closed = false

    /** What the file said that was not used, each as `file:line:column: warning: ...`. */
    val warnings: List<String> get() = withNative { it.warnings() }

    /** The configuration in Pinwire's JSON format. */
    fun toJson(): String = withNative { it.toJson() }

    /**
     * Runs [block] with the native object, never after [close]: a destroyed UniFFI object passed as an
     * argument would be a use-after-free in Rust (the generated code checks only the receiver of a call).
     */
    @Synchronized
    internal fun <T> withNative(block: (FfiPinConfig) -> T): T {
        if (closed) throw ClosedException("configuration")
        return ffiCall("configuration") { block(ffi) }
    }

    /** Frees the native configuration; clients built from it keep what they need. Harmless when repeated. */
    @Synchronized
    override fun close() {
        if (!closed) {
            closed = true
            ffi.close()
        }
    }

    companion object {
        /**
         * Reads Pinwire's JSON format (`core/config.schema.json`). [fileName] names the text in errors;
         * [debuggable]: whether the file's `debug_anchors` count.
         */
        @JvmStatic
        @JvmOverloads
        @Throws(InvalidConfigException::class)
        fun fromJson(json: String, fileName: String = "pinwire.json", debuggable: Boolean = false): PinConfig =
            PinConfig(ffiCall("configuration") { FfiPinConfig.fromJson(json, fileName, debuggable) })

        /**
         * Reads an Android `network_security_config.xml` with the platform's semantics (its defaults depend
         * on [targetSdkVersion]; `debug-overrides` apply only when [debuggable]). `@raw/name` certificates
         * come from [rawResources]: name (`my_ca`) to the file's bytes (PEM or DER).
         */
        @JvmStatic
        @JvmOverloads
        @Throws(InvalidConfigException::class)
        fun fromNscXml(
            xml: String,
            targetSdkVersion: Int,
            fileName: String = "network_security_config.xml",
            debuggable: Boolean = false,
            rawResources: Map<String, ByteArray> = emptyMap(),
            dangerousAllowSinglePin: Boolean = false,
        ): PinConfig {
            require(targetSdkVersion > 0) { "targetSdkVersion must be positive, was $targetSdkVersion" }
            val options = NscImportOptions(targetSdkVersion.toUInt(), debuggable, rawResources, dangerousAllowSinglePin)
            return PinConfig(ffiCall("configuration") { FfiPinConfig.fromNscXml(xml, fileName, options) })
        }

        /**
         * Reads a TrustKit configuration dictionary written as JSON, optionally under `TSKConfiguration` (the
         * file an iOS app using TrustKit ships, so one file can serve both apps). [fileName] names the text in
         * errors.
         */
        @JvmStatic
        @JvmOverloads
        @Throws(InvalidConfigException::class)
        fun fromTrustKitJson(json: String, fileName: String = "TrustKit.json"): PinConfig =
            PinConfig(ffiCall("configuration") { FfiPinConfig.fromTrustkitJson(json, fileName) })

        /**
         * Reads a TrustKit configuration dictionary written as plist XML, or an Info.plist holding one under
         * `TSKConfiguration`. [fileName] names the text in errors.
         */
        @JvmStatic
        @JvmOverloads
        @Throws(InvalidConfigException::class)
        fun fromTrustKitPlist(plist: String, fileName: String = "Info.plist"): PinConfig =
            PinConfig(ffiCall("configuration") { FfiPinConfig.fromTrustkitPlist(plist, fileName) })
    }
}
