package dev.pinwire.okhttp

import dev.pinwire.PinwireClient
import java.io.IOException
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.nanoseconds
import okhttp3.Call
import okhttp3.EventListener
import okhttp3.Interceptor
import okhttp3.Response

/**
 * The end of a [PinwireCallFactory] call's chain: sends the request with [client] instead of proceeding to
 * OkHttp's network interceptors, and hands back the response with its body still streaming from Rust.
 */
internal class PinwireInterceptor(
    private val client: PinwireClient,
    /** The OkHttpClient's `followRedirects`: false returns a redirect as the response, as OkHttp does. */
    private val followRedirects: Boolean,
) : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        // An application interceptor may have set a pinner on the chain; it would not be enforced.
        if (chain.certificatePinner.pins.isNotEmpty()) {
            throw IOException(
                "an interceptor set a CertificatePinner on the chain; OkHttp's pinner is not used by " +
                    "PinwireCallFactory: give its pins to PinwireClient.Builder",
            )
        }
        // OkHttp's call timeout ends its call when the chain returns, at the headers; handing it to the core
        // too makes it cover the body, as it does in OkHttp.
        val callTimeout = chain.call().timeout().timeoutNanos().takeIf { it > 0 }?.nanoseconds
        val pinwireCall = client.newCall(request.toPinwire(callTimeout, followRedirects))
        // OkHttp's cancel() (from the app, Retrofit or the call timeout) ends the Rust request and the body
        // reads. The listener goes on before the check, so a cancel between the two is seen by one of them.
        chain.call().addEventListener(
            object : EventListener() {
                override fun canceled(call: Call) = pinwireCall.cancel()
            },
        )
        if (chain.call().isCanceled()) pinwireCall.cancel()
        val sentAt = System.currentTimeMillis()
        val response = try {
            pinwireCall.executeBlocking()
        } catch (e: CancellationException) {
            throw IOException("Canceled", e)
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            throw IOException("Canceled: the calling thread was interrupted", e)
        }
        try {
            return response.toOkHttp(request, sentAt)
        } catch (e: Throwable) {
            response.close() // nothing will read it
            throw e
        }
    }
}
