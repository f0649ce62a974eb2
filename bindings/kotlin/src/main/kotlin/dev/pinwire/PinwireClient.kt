package dev.pinwire

import dev.pinwire.ffi.ClientOptions
import dev.pinwire.ffi.PinRule
import dev.pinwire.ffi.ReportUri
import dev.pinwire.ffi.ReportingOptions
import dev.pinwire.ffi.ResolveOverride
import dev.pinwire.ffi.policyJson as ffiPolicyJson
import java.io.Closeable
import java.io.IOException
import java.net.InetAddress
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.runBlocking
import dev.pinwire.ffi.PinwireClient as FfiClient
import dev.pinwire.internal.CallCancellation
import dev.pinwire.internal.NativeCall

/**
 * An HTTPS client whose every TLS handshake validates the chain and then checks its pins, in the Rust
 * core. Build one with [PinwireClient.builder] (or the DSL `PinwireClient { ... }`), share it for the
 * app's life (it pools connections), and [close] it when done.
 *
 * ```
 * val client = PinwireClient {
 *     add("api.example.com", "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=", "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=")
 *     connectTimeout(10.seconds)
 * }
 * client.execute(Request.get("https://api.example.com/v1/me")).use { println(it.string()) }
 * ```
 */
class PinwireClient private constructor(private val ffi: FfiClient) : Closeable {
    private val closed = AtomicBoolean(false)

    /** This client on the JNI request path (requests and bodies; the rest goes through UniFFI). */
    private val native: Long = ffiCall("client") { ffi.jniHandle() }.toLong()

    init {
        NativeThreads.keepAttached()
    }

    /**
     * Sends [request] and returns once the response headers have arrived; read the body from the
     * [Response]. Cancelling the calling coroutine stops the call and closes its connection (it cancels the
     * native call; the Rust future ends at once), and throws [kotlin.coroutines.cancellation.CancellationException].
     *
     * @throws PinwireException for every failure: [PinMismatchException], [UntrustedCertificateException],
     *   [TimeoutException], ...
     */
    suspend fun execute(request: Request): Response = execute(request, null)

    /** [execute] for callers outside coroutines (Java): blocks the thread; interrupting it cancels the call. */
    @Throws(IOException::class, InterruptedException::class)
    fun executeBlocking(request: Request): Response = runBlocking { execute(request) }

    /** A call that can be cancelled from any thread with [Call.cancel], like OkHttp's `Call`. */
    fun newCall(request: Request): Call = Call(this, request)

    internal suspend fun execute(request: Request, cancellation: CallCancellation?): Response {
        if (closed.get()) throw ClosedException("client")
        // The JNI path needs no detaching (see Detached): a call whose caller is cancelled, or whose head
        // arrives after that, is released by NativeCall. A streamed body is written from Detached's scope:
        // the caller's cancellation reaches it through the call (the request ends, the writer is refused),
        // never by cancelling the pump.
        return request.sending(Detached.scope) { bodyHandle ->
            Response(NativeCall.execute(native, request, bodyHandle, cancellation))
        }
    }

    /**
     * Opens a WebSocket over this client's TLS set-up: the same pins, pin events and reports as its calls,
     * and a [PinMismatchException] when the handshake fails them. Cancelling the calling coroutine stops
     * the connect.
     */
    suspend fun webSocket(request: WebSocketRequest): WebSocket {
        if (closed.get()) throw ClosedException("client")
        return openWebSocket(ffi, request)
    }

    /** [webSocket] for [url] with no extra headers or subprotocols. */
    suspend fun webSocket(url: String): WebSocket = webSocket(WebSocketRequest.of(url))

    /** The version of the pin configuration in use: the shipped version until a signed update is applied. */
    val versionInUse: Long get() = ffiCall("client") { ffi.versionInUse() }.toLong()

    /**
     * Applies a signed pin update the app got another way (push, remote config). On success it decides every
     * new connection; otherwise the configuration in use stays.
     *
     * @throws UpdateException saying why the document was refused.
     */
    @Throws(UpdateException::class)
    fun applyUpdate(document: ByteArray): UpdateOutcome = ffiUpdateCall { ffi.applyUpdate(document) }.toKotlin()

    /**
     * Fetches the update document from the [update URL][UpdateOptions.url] now, over a connection pinned by
     * the shipped pins, and applies it.
     *
     * @throws UpdateException saying why nothing was applied.
     */
    suspend fun checkForUpdate(): UpdateOutcome = ffiUpdateCall { ffi.checkForUpdate() }.toKotlin()

    /** Whether [close] was called. */
    val isClosed: Boolean get() = closed.get()

    /**
     * Frees the native client: idle connections close, calls in flight finish, new calls throw
     * [ClosedException]. Harmless when called again.
     */
    override fun close() {
        if (closed.compareAndSet(false, true)) {
            NativeCall.release(native)
            ffi.close()
        }
    }

    /** The options of one pin rule, set in the block of [Builder.add]. */
    class PinRuleOptions internal constructor() {
        internal var includeSubdomains = false
        internal var reportOnly = false
        internal var expiration: Instant? = null
        internal var cleartextPermitted: Boolean? = null

        /** Also pin every subdomain of the pattern (NSC's `includeSubdomains`). */
        @JvmOverloads
        fun includeSubdomains(include: Boolean = true) = apply { includeSubdomains = include }

        /** Report mismatches to the [listener][Builder.listener] and let the connection go on. */
        @JvmOverloads
        fun reportOnly(reportOnly: Boolean = true) = apply { this.reportOnly = reportOnly }

        /** From 00:00 UTC on [date] the pins are not enforced (NSC's `expiration`): an old app is never locked out. */
        fun expiresOn(date: LocalDate) = apply { expiration = date.atStartOfDay(ZoneOffset.UTC).toInstant() }

        /** From [instant] the pins are not enforced. */
        fun expiresAt(instant: Instant) = apply { expiration = instant }

        /** Allow (or refuse) `http://` to these hosts. */
        fun cleartextPermitted(permitted: Boolean) = apply { cleartextPermitted = permitted }
    }

    /**
     * Builds a [PinwireClient]. The pin vocabulary is OkHttp's `CertificatePinner.Builder`:
     * `add(pattern, vararg pins)`, where a pattern is `example.com`, `*.example.com` (one label) or
     * `**.example.com` (any number), and a pin is `sha256/` + base64 of the SHA-256 of the
     * SubjectPublicKeyInfo. Adding the same pattern twice adds pins to it; the first call's options stay (the
     * Rust core merges, as for Swift and Rust callers).
     */
    class Builder {
        private val rules = mutableListOf<PinRule>()
        private var dangerousAllowSinglePin = false
        private var cleartextPermittedByDefault = false
        private val trustedRootsPem = mutableListOf<String>()
        private var includePlatformTrust = true
        private var connectTimeout: Duration? = null
        private var readTimeout: Duration? = null
        private var callTimeout: Duration? = null
        private var maxRedirects = 10
        private var proxy: String? = null
        private var http1Only = false
        private val resolve = mutableListOf<ResolveOverride>()
        private var userAgent: String? = null
        private var listener: PinEventListener? = null
        private var config: PinConfig? = null
        private var reporting: ReportingOptions? = null
        private var updates: UpdateOptions? = null
        private var updateListener: UpdateListener? = null
        private var decompress = true
        private var maxDecodedRatio = 1024L
        private var maxDecodedSize: Long? = null
        private var memoryCookies = false
        private var cookieStore: CookieStore? = null

        /** Pins [pattern] to [pins] (at least two distinct pins: a backup key). */
        fun add(pattern: String, vararg pins: String): Builder = add(pattern, *pins) {}

        /** Pins [pattern] to [pins], with options: `add("x.com", a, b) { reportOnly(); includeSubdomains() }`. */
        fun add(pattern: String, vararg pins: String, options: PinRuleOptions.() -> Unit): Builder = apply {
            val rule = PinRuleOptions().apply(options)
            rules += PinRule(
                pattern = pattern,
                pins = pins.toList(),
                includeSubdomains = rule.includeSubdomains,
                reportOnly = rule.reportOnly,
                expiration = rule.expiration,
                cleartextPermitted = rule.cleartextPermitted,
            )
        }

        /** Turns pinning off for the hosts of [pattern] under a broader rule (a rule with no pins). */
        fun exempt(pattern: String): Builder = add(pattern)

        /** Accept pin sets with a single pin, without a backup key. Dangerous: one key rotation locks the app out. */
        fun dangerousAllowSinglePin() = apply { dangerousAllowSinglePin = true }

        /** Allow `http://` to hosts no rule speaks about (refused by default). */
        fun cleartextPermittedByDefault(permitted: Boolean) = apply { cleartextPermittedByDefault = permitted }

        /** Trusts these PEM root certificates (app-bundled CAs, or a self-signed server certificate). */
        fun trustedRootsPem(vararg pem: String) = apply { trustedRootsPem += pem }

        /**
         * Whether the platform's roots are trusted too (default true). `false` with [trustedRootsPem] trusts
         * only those roots; `false` without roots is an [InvalidConfigException] (no trust at all).
         */
        fun includePlatformTrust(include: Boolean) = apply { includePlatformTrust = include }

        /** Timeout for TCP connect plus TLS handshake (default 30 s). */
        fun connectTimeout(timeout: Duration) = apply { connectTimeout = checked(timeout) }

        /** Timeout for TCP connect plus TLS handshake (default 30 s). */
        fun connectTimeout(timeout: java.time.Duration) = connectTimeout(timeout.toKotlin())

        /** Longest wait for data from the server, between reads (default 30 s). */
        fun readTimeout(timeout: Duration) = apply { readTimeout = checked(timeout) }

        /** Longest wait for data from the server, between reads (default 30 s). */
        fun readTimeout(timeout: java.time.Duration) = readTimeout(timeout.toKotlin())

        /** Timeout for a whole call, body included (default none). */
        fun callTimeout(timeout: Duration) = apply { callTimeout = checked(timeout) }

        /** Timeout for a whole call, body included (default none). */
        fun callTimeout(timeout: java.time.Duration) = callTimeout(timeout.toKotlin())

        /** Redirects to follow (default 10); 0 hands redirects back as responses. */
        fun maxRedirects(max: Int) = apply {
            require(max >= 0) { "maxRedirects must be >= 0, was $max" }
            maxRedirects = max
        }

        /** An explicit HTTP proxy, e.g. `http://proxy.local:3128` (environment variables are not read). */
        fun proxy(url: String) = apply { proxy = url }

        /** Offer only HTTP/1.1 (default: HTTP/2 by ALPN with HTTP/1.1 fallback). */
        @JvmOverloads
        fun http1Only(enabled: Boolean = true) = apply { http1Only = enabled }

        /** Resolves [host] to [address] (an IP address) instead of asking DNS, like curl's `--resolve`. */
        fun resolve(host: String, address: String) = apply { resolve += ResolveOverride(host, address) }

        /** Resolves [host] to [address] instead of asking DNS. */
        fun resolve(host: String, address: InetAddress) = resolve(host, address.hostAddress)

        /** The User-Agent header. */
        fun userAgent(userAgent: String) = apply { this.userAgent = userAgent }

        /**
         * Takes the pins and trust anchors from a configuration file ([PinConfig.fromJson],
         * [PinConfig.fromNscXml]) instead of [add], [trustedRootsPem], [includePlatformTrust] and the cleartext
         * options, which must then not be used. Timeouts, proxy and the rest still come from this builder.
         */
        fun config(config: PinConfig) = apply { this.config = config }

        /**
         * Sends pin failure reports in TrustKit's JSON format, in the background, to [uris] (pattern to
         * `https` URL; a [config]'s report URIs are added): [app] is the identity reports carry. Reports
         * never delay or fail a request; identical ones are sent at most once per [rateLimit].
         */
        fun reporting(app: AppIdentity, uris: Map<String, String> = emptyMap(), rateLimit: Duration? = null) = apply {
            reporting = ReportingOptions(
                appBundleId = app.bundleId,
                appVersion = app.version,
                appVendorId = app.vendorId,
                appPlatform = app.platform,
                appPlatformVersion = app.platformVersion,
                uris = uris.map { (pattern, uri) -> ReportUri(pattern, uri) },
                rateLimit = rateLimit?.let { checked(it).toJavaDuration() },
            )
        }

        /**
         * Takes signed pin updates: `updates { keys(jwk); storeDirectory(filesDir); url("https://...") }`. The
         * pins given to this builder (or its [config]) are the shipped ones, the floor it falls back to.
         */
        fun updates(configure: UpdateOptions.() -> Unit) = apply { updates = UpdateOptions().apply(configure) }

        /** Hears every update outcome (see [UpdateListener]); needs [updates]. */
        fun updateListener(listener: UpdateListener) = apply { updateListener = listener }

        /**
         * Decodes gzip, brotli and zstd response bodies, sending `Accept-Encoding` (default on; a request's
         * [Request.Builder.decompress] overrides it). A decoded response has no `Content-Encoding` or
         * `Content-Length` header, as with OkHttp. A request that sets its own `Accept-Encoding` gets the
         * body as sent.
         */
        @JvmOverloads
        fun decompress(enabled: Boolean = true) = apply { decompress = enabled }

        /**
         * The decompression-bomb bound: a decoded body may hold [ratio] bytes per compressed byte received,
         * plus 1 MiB (default 1024), and at most [maxSize] bytes if given (default no cap). Beyond it,
         * reading the body throws [DecodedBodyTooLargeException].
         */
        @JvmOverloads
        fun maxDecodedSize(ratio: Long = 1024, maxSize: Long? = null) = apply {
            require(ratio >= 1) { "the ratio must be at least 1, was $ratio" }
            require(maxSize == null || maxSize >= 0) { "maxSize must not be negative, was $maxSize" }
            maxDecodedRatio = ratio
            maxDecodedSize = maxSize
        }

        /** Keeps cookies in memory for the client's life, sent back by RFC 6265's rules (default: no cookies). */
        fun cookies() = apply { memoryCookies = true }

        /** Keeps cookies in [store] (persisted, or shared with `CookieManager`), sent back by RFC 6265's rules. */
        fun cookieStore(store: CookieStore) = apply { cookieStore = store }

        /** Receives every pin decision (see [PinEventListener]). */
        fun listener(listener: PinEventListener) = apply { this.listener = listener }

        /**
         * Builds the client.
         *
         * @throws InvalidConfigException for an invalid pattern, pin, pin set (fewer than two pins, the same
         *   pattern twice after normalisation), root certificate, proxy or address, or pins and trust given
         *   both here and in a [config].
         */
        @Throws(InvalidConfigException::class)
        fun build(): PinwireClient {
            val options = options()
            val adapter = listener?.let(::ListenerAdapter)
            val updateAdapter = updateListener?.let(::UpdateListenerAdapter)
            val cookies = cookieStore?.let(::CookieStoreAdapter)
            val native = when (val config = config) {
                null -> ffiCall("client builder") { FfiClient(options, adapter, updateAdapter, cookies) }
                else -> config.withNative { FfiClient.fromConfig(it, options, adapter, updateAdapter, cookies) }
            }
            return PinwireClient(native)
        }

        /**
         * The pin rules and cleartext settings given to this builder, as a Pinwire JSON configuration (for
         * [PinConfig.fromJson]; trust settings are not part of it).
         *
         * @throws InvalidConfigException for what [build] would refuse in them.
         */
        @Throws(InvalidConfigException::class)
        fun policyJson(): String = ffiCall("client builder") { ffiPolicyJson(options()) }

        private fun options(): ClientOptions =
            ClientOptions(
                pins = rules.toList(),
                dangerousAllowSinglePin = dangerousAllowSinglePin,
                cleartextPermittedByDefault = cleartextPermittedByDefault,
                trustedRootsPem = trustedRootsPem.toList(),
                includePlatformTrust = includePlatformTrust,
                connectTimeout = connectTimeout?.toJavaDuration(),
                readTimeout = readTimeout?.toJavaDuration(),
                callTimeout = callTimeout?.toJavaDuration(),
                maxRedirects = maxRedirects.toUInt(),
                proxy = proxy,
                http1Only = http1Only,
                resolve = resolve.toList(),
                userAgent = userAgent,
                reporting = reporting,
                updates = updates?.toFfi(),
                decompress = decompress,
                maxDecodedRatio = maxDecodedRatio.toULong(),
                maxDecodedSize = maxDecodedSize?.toULong(),
                cookies = memoryCookies,
            )

        private fun checked(timeout: Duration): Duration {
            require(!timeout.isNegative()) { "a timeout must not be negative, was $timeout" }
            return timeout
        }
    }

    companion object {
        /** A new [Builder]. */
        @JvmStatic
        fun builder(): Builder = Builder()

        /** DSL: `PinwireClient { add("api.example.com", pin1, pin2); connectTimeout(5.seconds) }`. */
        operator fun invoke(configure: Builder.() -> Unit): PinwireClient = Builder().apply(configure).build()
    }
}

/**
 * One request that can be cancelled from any thread, like OkHttp's `Call`; it executes once.
 * [cancel] stops the call and any read of its response body, which then throw
 * [kotlin.coroutines.cancellation.CancellationException] (an [InterruptedIOException][java.io.InterruptedIOException]
 * from [Response.byteStream]).
 */
class Call internal constructor(private val client: PinwireClient, val request: Request) {
    private val cancellation = CallCancellation()
    private val executed = AtomicBoolean(false)

    /** Sends the request, as [PinwireClient.execute]. */
    suspend fun execute(): Response {
        check(executed.compareAndSet(false, true)) { "this call was already executed" }
        return client.execute(request, cancellation)
    }

    /** [execute], blocking the calling thread. */
    @Throws(IOException::class, InterruptedException::class)
    fun executeBlocking(): Response = runBlocking { execute() }

    /** Cancels the call and its body reads, from any thread. Harmless when called again. */
    fun cancel() = cancellation.cancel()

    /** Whether [cancel] was called. */
    val isCanceled: Boolean get() = cancellation.isCancelled
}

internal fun java.time.Duration.toKotlin(): Duration = toKotlinDuration()

/** The app's identity in pin failure reports (TrustKit's `app-*` fields), given once at start-up. */
data class AppIdentity(
    val bundleId: String,
    val version: String,
    val vendorId: String,
    val platform: String = "ANDROID",
    val platformVersion: String = System.getProperty("os.version").orEmpty(),
)
