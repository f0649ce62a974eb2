package dev.pinwire

import java.time.Instant
import dev.pinwire.ffi.Cookie as FfiCookie
import dev.pinwire.ffi.CookieStore as FfiCookieStore

/**
 * A cookie as RFC 6265's storage model keeps it. The client builds these from `Set-Cookie` headers
 * (checked against the URL that sent them) and checks every one a [CookieStore] hands back against the
 * request's URL (domain, path, [secure], expiry) before sending it.
 */
data class Cookie(
    val name: String,
    val value: String,
    /** The host that set it (when [hostOnly]), or the domain it applies to with its subdomains. */
    val domain: String,
    /** Sent only to exactly [domain] (the `Set-Cookie` had no `Domain` attribute). */
    val hostOnly: Boolean,
    /** The path it applies to, with the paths below it. */
    val path: String,
    /** Sent only over `https`. */
    val secure: Boolean,
    /** Not for scripts (kept for stores shared with a `WebView`). */
    val httpOnly: Boolean,
    /** When it expires; null for a session cookie. An expired cookie given to [CookieStore.save] deletes the stored one. */
    val expires: Instant? = null,
)

/**
 * Where a client keeps its cookies ([PinwireClient.Builder.cookieStore]): implement it to persist cookies
 * or to share them with Android's `CookieManager`. Called on Pinwire's threads during a call, off the
 * thread that carries the other calls: a slow store delays only its own call. An exception thrown here drops the cookies of that call, it never fails the call.
 */
interface CookieStore {
    /** Keeps the cookies a response from [url] set; each was already checked against [url]. */
    fun save(url: String, cookies: List<Cookie>)

    /** The cookies to send with a request to [url]; the client drops any that does not apply to it. */
    fun load(url: String): List<Cookie>
}

internal class CookieStoreAdapter(private val store: CookieStore) : FfiCookieStore {
    override fun save(url: String, cookies: List<FfiCookie>) {
        try {
            store.save(url, cookies.map { it.toKotlin() })
        } catch (_: Exception) {
            // Documented: a failing store loses those cookies, not the call.
        }
    }

    override fun load(url: String): List<FfiCookie> =
        try {
            store.load(url).map { it.toFfi() }
        } catch (_: Exception) {
            emptyList()
        }
}

internal fun FfiCookie.toKotlin() = Cookie(name, value, domain, hostOnly, path, secure, httpOnly, expires)

internal fun Cookie.toFfi() = FfiCookie(name, value, domain, hostOnly, path, secure, httpOnly, expires)
