package dev.pinwire

import dev.pinwire.ffi.pinFromCertificateDer
import dev.pinwire.ffi.pinFromCertificatesPem
import dev.pinwire.ffi.pinFromPrivateKey
import dev.pinwire.ffi.pinFromPublicKey

/**
 * Computes pins (`sha256/` + base64 of the SHA-256 of the SubjectPublicKeyInfo), the form OkHttp, Android's
 * Network Security Config and TrustKit share. Invalid input throws [InvalidConfigException].
 */
object Pin {
    /** The pin of a DER certificate. */
    @JvmStatic
    fun fromCertificateDer(der: ByteArray): String = ffiCall("pins") { pinFromCertificateDer(der) }

    /** The pins of every certificate in PEM text, in order. */
    @JvmStatic
    fun fromCertificatesPem(pem: String): List<String> = ffiCall("pins") { pinFromCertificatesPem(pem) }

    /** The pin of a public key: PEM `PUBLIC KEY` or DER SubjectPublicKeyInfo. */
    @JvmStatic
    fun fromPublicKey(key: ByteArray): String = ffiCall("pins") { pinFromPublicKey(key) }

    /** The pin of a PKCS#8 private key's public half (PEM or DER): pin a backup key before deploying it. */
    @JvmStatic
    fun fromPrivateKey(key: ByteArray): String = ffiCall("pins") { pinFromPrivateKey(key) }
}
