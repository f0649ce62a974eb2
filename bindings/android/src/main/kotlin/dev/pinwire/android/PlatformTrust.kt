package dev.pinwire.android

import android.net.http.X509TrustManagerExtensions
import java.io.ByteArrayInputStream
import java.security.KeyStore
import java.security.Security
import java.security.cert.CertificateException
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager

/**
 * Android's certificate validation for Pinwire's Rust core, which calls [validate] over JNI on every
 * TLS handshake when a client uses platform trust.
 *
 * It asks the [X509TrustManager] of Android's Network Security Config provider (`AndroidNSSP`, which the
 * platform installs in every app process on API 24+ and which applies the app's Network Security Config —
 * trust anchors, `<pin-set>`s, `<debug-overrides>` — for the host) through
 * [X509TrustManagerExtensions.checkServerTrusted], and returns the chain Android validated, as OkHttp's
 * `AndroidCertificateChainCleaner` does. Pinwire's pins are then matched against that chain, never
 * against the certificates as the server sent them.
 *
 * The provider is asked for by name, not through `TrustManagerFactory.getDefaultAlgorithm()`: an app that
 * inserts another provider first (Conscrypt at position 1, as OkHttp suggests for TLS 1.3 on old devices)
 * would otherwise get that provider's trust manager, which ignores the Network Security Config. Without
 * the provider there is no platform trust: every chain is refused with a message that says why.
 *
 * Not meant to be called by apps; kept public (and kept by the AAR's R8 rules) because Rust calls it by name.
 */
object PlatformTrust {
    // The Network Security Config's X509TrustManager, created on first use. `lazy` retries if it throws.
    private val extensions: X509TrustManagerExtensions by lazy {
        X509TrustManagerExtensions(defaultTrustManager())
    }

    /**
     * Validates [chain] (DER, the server's leaf first) for [host] and returns the validated path as DER,
     * leaf first, trust anchor last.
     *
     * @throws CertificateException if Android does not trust the chain for [host]; any other exception
     *   also means "not trusted" to the caller.
     */
    @JvmStatic
    @Throws(CertificateException::class)
    fun validate(chain: Array<ByteArray>, host: String, authType: String): Array<ByteArray> {
        if (chain.isEmpty()) throw CertificateException("the server presented no certificate")
        val factory = CertificateFactory.getInstance("X.509")
        val certificates = Array(chain.size) { index ->
            factory.generateCertificate(ByteArrayInputStream(chain[index])) as? X509Certificate
                ?: throw CertificateException("certificate #$index is not an X.509 certificate")
        }
        // Throws CertificateException when the chain is not trusted for this host under the app's NSC.
        val validated: List<X509Certificate> = extensions.checkServerTrusted(certificates, authType, host)
        if (validated.isEmpty()) throw CertificateException("Android returned an empty validated chain")
        return Array(validated.size) { index -> validated[index].encoded }
    }

    /** The name of Android's Network Security Config security provider. */
    const val NSC_PROVIDER = "AndroidNSSP"

    private fun defaultTrustManager(): X509TrustManager {
        val provider = Security.getProvider(NSC_PROVIDER)
            ?: throw IllegalStateException(
                "Android's Network Security Config provider ($NSC_PROVIDER) is not installed: platform trust " +
                    "needs API 24+ and a process Android started (installed providers: " +
                    Security.getProviders().joinToString { it.name } + ")",
            )
        val factory = TrustManagerFactory.getInstance("PKIX", provider)
        factory.init(null as KeyStore?)
        val managers = factory.trustManagers.filterIsInstance<X509TrustManager>()
        check(managers.size == 1) {
            "expected exactly one X509TrustManager from $NSC_PROVIDER, got: ${factory.trustManagers.joinToString()}"
        }
        return managers[0]
    }
}
