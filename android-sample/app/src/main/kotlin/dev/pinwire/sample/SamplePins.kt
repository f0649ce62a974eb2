package dev.pinwire.sample

/**
 * The demo host and its pins: the same as the <pin-set> in res/xml/network_security_config.xml, so
 * Android (the NSC) and Pinwire enforce one policy. Pinwire checks its pins after Android validated the
 * chain, against the chain Android returns, and reports a mismatch with that chain's pins.
 *
 * The Rust core can already read this policy from the NSC file itself (`pinwire::config::PinConfig::from_nsc_xml`).
 * Once the bindings expose that importer, the sample can feed Pinwire the same XML instead of repeating the
 * pins here: res/xml is compiled to binary XML in the APK, so a build step copies the file into assets.
 */
object SamplePins {
    /** Let's Encrypt's test site whose chain ends at ISRG Root X1. */
    const val HOST = "valid-isrgrootx1.letsencrypt.org"
    const val URL = "https://$HOST/"

    /** SHA-256 of the SubjectPublicKeyInfo of ISRG Root X1 (current) and ISRG Root X2 (backup). */
    val PINS = listOf(
        "sha256/C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M=",
        "sha256/diGVwiVYbubAI3RW4hB9xU8e/CH2GnkuvVFZE8zmgzI=",
    )

    /** Pins of some other keys (OkHttp's documentation example): nothing on the host's chain has them. */
    val WRONG_PINS = listOf(
        "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=",
        "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=",
    )
}
