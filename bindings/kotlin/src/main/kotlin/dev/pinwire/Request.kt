package dev.pinwire

/** HTTP headers in order; names are compared ignoring case. */
class Headers(private val entries: List<Pair<String, String>>) : Iterable<Pair<String, String>> {
    /** The last value of [name], or null. */
    operator fun get(name: String): String? = entries.lastOrNull { it.first.equals(name, ignoreCase = true) }?.second

    /** Every value of [name], in order. */
    fun values(name: String): List<String> = entries.filter { it.first.equals(name, ignoreCase = true) }.map { it.second }

    /** The names, in order of first appearance. */
    fun names(): Set<String> = entries.mapTo(LinkedHashSet()) { it.first }

    /** The number of header lines. */
    val size: Int get() = entries.size

    override fun iterator(): Iterator<Pair<String, String>> = entries.iterator()

    override fun toString(): String = entries.joinToString(", ", "Headers(", ")") { "${it.first}: ${it.second}" }

    companion object {
        @JvmField
        val EMPTY = Headers(emptyList())
    }
}

/**
 * An HTTP request. Build one with [Request.get], [Request.post], the [Builder], or the DSL
 * `Request("https://...") { header("accept", "application/json") }`. A body is a [RequestBody]: bytes, or
 * a file, stream or flow read while it is sent (`post(file.asRequestBody("video/mp4"))`).
 */
class Request private constructor(
    /** An absolute `https://` URL (`http://` only where the policy permits cleartext). */
    val url: String,
    /** `GET`, `POST`, ... */
    val method: String,
    val headers: Headers,
    /** The body, or null for none. */
    val body: RequestBody?,
    /** Overrides the client's call timeout for this request. */
    val callTimeout: kotlin.time.Duration?,
    /** Hears how much of the body has been sent, or null. */
    val uploadProgress: UploadProgressListener?,
    /** Overrides the client's [decompress][PinwireClient.Builder.decompress] setting; null keeps it. */
    val decompress: Boolean? = null,
    /**
     * Whether a redirect (301, 302, 303, 307, 308) is followed (the default) or returned as the response,
     * `Location` header and all, for the caller to handle.
     */
    val followRedirects: Boolean = true,
) {
    fun newBuilder(): Builder = Builder(this)

    override fun toString(): String = "Request($method $url)"

    /** Builds a [Request]; every method returns the builder. */
    class Builder() {
        private var url: String? = null
        private var method = "GET"
        private val headers = mutableListOf<Pair<String, String>>()
        private var body: RequestBody? = null
        private var callTimeout: kotlin.time.Duration? = null
        private var uploadProgress: UploadProgressListener? = null
        private var decompress: Boolean? = null
        private var followRedirects = true

        internal constructor(request: Request) : this() {
            decompress = request.decompress
            followRedirects = request.followRedirects
            url = request.url
            method = request.method
            headers += request.headers
            body = request.body
            callTimeout = request.callTimeout
            uploadProgress = request.uploadProgress
        }

        fun url(url: String) = apply { this.url = url }

        /** Adds a header line (several lines of one name are kept). */
        fun header(name: String, value: String) = apply { headers += name to value }

        /** Replaces every line of [name] with this one. */
        fun setHeader(name: String, value: String) = apply {
            headers.removeAll { it.first.equals(name, ignoreCase = true) }
            headers += name to value
        }

        /** Sets the method and the body (null for none). */
        @JvmOverloads
        fun method(method: String, body: ByteArray? = null) = method(method, body?.let { RequestBody.create(it) })

        /** Sets the method and the body (null for none). */
        fun method(method: String, body: RequestBody?) = apply {
            this.method = method
            this.body = body
        }

        fun get() = method("GET")

        fun post(body: ByteArray) = method("POST", body)

        fun post(body: String) = method("POST", body.encodeToByteArray())

        /** `POST` with [body], e.g. `post(file.asRequestBody("image/jpeg"))`. */
        fun post(body: RequestBody) = method("POST", body)

        fun put(body: ByteArray) = method("PUT", body)

        /** `PUT` with [body]. */
        fun put(body: RequestBody) = method("PUT", body)

        /** `PATCH` with [body]. */
        fun patch(body: RequestBody) = method("PATCH", body)

        fun delete() = method("DELETE")

        /** Sets the body without changing the method. */
        fun body(body: ByteArray?) = apply { this.body = body?.let { RequestBody.create(it) } }

        /** Sets the body as UTF-8 text without changing the method. */
        fun body(body: String) = apply { this.body = RequestBody.create(body.encodeToByteArray()) }

        /** Sets the body without changing the method. */
        fun body(body: RequestBody?) = apply { this.body = body }

        /**
         * Hears how much of the body has been sent, in order; the last call comes before
         * [PinwireClient.execute] returns, with the whole body's length when the server read it all, and
         * none after (see [UploadProgressListener]).
         */
        fun uploadProgress(listener: UploadProgressListener?) = apply { uploadProgress = listener }

        /** The timeout for this whole call, body included; overrides the client's. */
        fun callTimeout(timeout: kotlin.time.Duration) = apply {
            require(!timeout.isNegative()) { "a timeout must not be negative, was $timeout" }
            callTimeout = timeout
        }

        /** The timeout for this whole call, body included; overrides the client's. */
        fun callTimeout(timeout: java.time.Duration) = callTimeout(timeout.toKotlin())

        /** Decode (or not) this response's compressed body, whatever the client's setting. */
        fun decompress(enabled: Boolean) = apply { decompress = enabled }

        /** Follow redirects (the default), or return a redirect as the response. */
        fun followRedirects(follow: Boolean) = apply { followRedirects = follow }

        fun build(): Request = Request(
            url = requireNotNull(url) { "Request.Builder: url(...) was not set" },
            method = method,
            headers = Headers(headers.toList()),
            body = body,
            callTimeout = callTimeout,
            uploadProgress = uploadProgress,
            decompress = decompress,
            followRedirects = followRedirects,
        )
    }

    companion object {
        /** `GET url`. */
        @JvmStatic
        fun get(url: String): Request = Builder().url(url).build()

        /** `POST url` with a body. */
        @JvmStatic
        fun post(url: String, body: ByteArray): Request = Builder().url(url).post(body).build()

        /** `POST url` with a body, e.g. `Request.post(url, file.asRequestBody("video/mp4"))`. */
        @JvmStatic
        fun post(url: String, body: RequestBody): Request = Builder().url(url).post(body).build()

        /** `POST url` with a UTF-8 text body, and its `content-type` if given. */
        @JvmStatic
        @JvmOverloads
        fun post(url: String, body: String, contentType: String? = null): Request =
            Builder().url(url).post(body).apply { contentType?.let { header("content-type", it) } }.build()

        /** DSL: `Request(url) { method("PUT", bytes); header("x", "y") }`. */
        operator fun invoke(url: String, block: Builder.() -> Unit = {}): Request = Builder().url(url).apply(block).build()
    }
}
