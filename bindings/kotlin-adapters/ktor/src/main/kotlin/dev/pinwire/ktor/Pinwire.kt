package dev.pinwire.ktor

import dev.pinwire.PinwireClient
import io.ktor.client.engine.HttpClientEngine
import io.ktor.client.engine.HttpClientEngineConfig
import io.ktor.client.engine.HttpClientEngineFactory

/**
 * The Pinwire engine for Ktor's `HttpClient`: every request is sent by a [PinwireClient], in the Rust core,
 * with its pins.
 *
 * ```
 * val http = HttpClient(Pinwire) { engine { client = pinwireClient } }
 * ```
 */
object Pinwire : HttpClientEngineFactory<PinwireEngineConfig> {
    override fun create(block: PinwireEngineConfig.() -> Unit): HttpClientEngine =
        PinwireEngine(PinwireEngineConfig().apply(block))
}

/**
 * The engine's configuration: the [client] that sends the requests (required). Timeouts, proxy, redirects
 * and TLS trust are that client's ([PinwireClient.Builder]); Ktor's engine `proxy` is refused rather than
 * ignored, and so is the `HttpTimeout` plugin's per-request timeouts (Ktor reports the engine does not
 * support them).
 */
class PinwireEngineConfig : HttpClientEngineConfig() {
    /** Sends every request. The engine does not own it: close it yourself when the app is done with it. */
    var client: PinwireClient? = null
}
