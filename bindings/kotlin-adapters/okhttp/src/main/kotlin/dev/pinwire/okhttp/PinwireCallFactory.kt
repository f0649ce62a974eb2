package dev.pinwire.okhttp

import dev.pinwire.PinwireClient
import okhttp3.Authenticator
import okhttp3.Call
import okhttp3.CookieJar
import okhttp3.OkHttpClient
import okhttp3.Request

/**
 * An [okhttp3.Call.Factory] whose calls run over a [PinwireClient]: give it to Retrofit
 * (`Retrofit.Builder().callFactory(PinwireCallFactory(pinwire))`) or to any code that takes a
 * `Call.Factory`, and every request is sent by the Rust core with Pinwire's pins.
 *
 * The calls are OkHttp's own: [okHttpClient]'s dispatcher runs `enqueue`, its call timeout, event listener
 * (call events) and application interceptors apply, `cancel()` works from any thread. Only the end of the
 * interceptor chain differs: where OkHttp would open a connection, [PinwireClient] sends the request (and
 * follows redirects, unless [okHttpClient] has `followRedirects(false)`: then a redirect is the response),
 * so `cancel()` ends the Rust request, and the `Response` body streams from it.
 *
 * What OkHttp would have done after that point cannot happen, so the constructor refuses an
 * [okHttpClient] that relies on it, with an [IllegalArgumentException] naming each setting: network
 * interceptors, a `CertificatePinner` with pins (move them to [PinwireClient.Builder.add], same syntax), a
 * custom `HostnameVerifier`, a `Cache`, a `CookieJar`, an `Authenticator` or a proxy `Authenticator`.
 * Connect and read timeouts, proxy, DNS and TLS trust are [PinwireClient]'s (its builder), not
 * [okHttpClient]'s.
 *
 * A pin mismatch reaches the caller as Pinwire's [dev.pinwire.PinMismatchException], an
 * [java.io.IOException] (every [dev.pinwire.PinwireException] is), with its fields.
 */
class PinwireCallFactory @JvmOverloads constructor(
    /** Sends every request. The factory does not own it: close it yourself when the app is done with it. */
    val client: PinwireClient,
    okHttpClient: OkHttpClient = OkHttpClient(),
) : Call.Factory {
    /** [okHttpClient] with Pinwire at the end of its application interceptors. */
    private val calls: OkHttpClient

    init {
        val refused = refusedSettings(okHttpClient)
        require(refused.isEmpty()) {
            "PinwireCallFactory: this OkHttpClient relies on OkHttp's own connection, which Pinwire replaces:\n" +
                refused.joinToString("\n") { "- $it" }
        }
        calls = okHttpClient.newBuilder()
            .addInterceptor(PinwireInterceptor(client, okHttpClient.followRedirects))
            .build()
    }

    /** An OkHttp call that runs [request] over [client]. */
    override fun newCall(request: Request): Call = calls.newCall(request)
}

/** What of [client] would be silently skipped when Pinwire ends the chain: one sentence each. */
internal fun refusedSettings(client: OkHttpClient): List<String> = buildList {
    if (client.networkInterceptors.isNotEmpty()) {
        add(
            "network interceptors (${client.networkInterceptors.size}): they see OkHttp's connection, which is " +
                "not made; add them with addInterceptor instead, where they run before Pinwire",
        )
    }
    if (client.certificatePinner.pins.isNotEmpty()) {
        add(
            "a CertificatePinner with ${client.certificatePinner.pins.size} pins: OkHttp's pinner is not used; " +
                "give the same add(pattern, pins...) lines to PinwireClient.Builder",
        )
    }
    if (client.hostnameVerifier.javaClass.name != "okhttp3.internal.tls.OkHostnameVerifier") {
        add("a custom HostnameVerifier: Pinwire always verifies the hostname in Rust")
    }
    if (client.cache != null) add("a Cache: OkHttp's cache is not consulted")
    if (client.cookieJar != CookieJar.NO_COOKIES) add("a CookieJar: OkHttp's cookie handling is not run")
    if (client.authenticator != Authenticator.NONE) add("an Authenticator: OkHttp's 401 retry is not run")
    if (client.proxyAuthenticator != Authenticator.NONE) {
        add("a proxy Authenticator: the proxy is PinwireClient.Builder.proxy")
    }
}
