package dev.pinwire

import java.time.Instant
import dev.pinwire.ffi.PinEventListener as FfiPinEventListener
import dev.pinwire.ffi.PinEventRecord

/**
 * The outcome of one pin check: [MATCHED][PinOutcome.MATCHED] ([PinEvent.matchedPin]),
 * [MISMATCH][PinOutcome.MISMATCH] (the connection failed, or went on if the rule is report-only),
 * [OVERRIDDEN][PinOutcome.OVERRIDDEN] (the path ends at a trust anchor that overrides pins, such as a debug-only
 * CA in a debuggable build) or [EXPIRED][PinOutcome.EXPIRED] (the pin set has expired: ordinary validation only).
 * The core's enum, as UniFFI generates it.
 */
typealias PinOutcome = dev.pinwire.ffi.PinOutcome

/** One pin decision, made during a TLS handshake with a host a pin rule covers. */
class PinEvent(
    /** The host. */
    val host: String,
    /** The port, when known. */
    val port: Int?,
    /** The pattern of the rule that applied. */
    val pattern: String,
    /** Whether that rule covers subdomains. */
    val includeSubdomains: Boolean,
    /** Whether a mismatch fails the connection (false: the rule is report-only). */
    val enforced: Boolean,
    /** What happened. */
    val outcome: PinOutcome,
    /** The pin that matched, for [PinOutcome.MATCHED]. */
    val matchedPin: String?,
    /** Whether the handshake was allowed to go on. */
    val allowed: Boolean,
    /** The pins the rule expects. */
    val expectedPins: List<String>,
    /** The validated chain's pins, leaf first, trust anchor last. */
    val chainPins: List<String>,
    /** The validated chain's subjects, same order. */
    val chainSubjects: List<String>,
    /** The validated chain's certificates (DER), same order. */
    val chainDer: List<ByteArray>,
    /** When the rule's pin set stops being enforced, if ever. */
    val expiration: Instant?,
    /** When the decision was made. */
    val at: Instant,
    /** The version of the pin configuration that decided: the shipped one, or a signed update's. */
    val configVersion: Long = 0,
) {
    override fun toString(): String =
        "PinEvent(host=$host, port=$port, pattern=$pattern, outcome=$outcome, enforced=$enforced, " +
            "allowed=$allowed, matchedPin=$matchedPin, chainPins=$chainPins)"
}

/**
 * Receives every pin decision of a client ([PinwireClient.Builder.listener]): for pinning telemetry, or
 * to see what a report-only rule would have refused.
 *
 * Called on Pinwire's own threads during the TLS handshake: return quickly and hand heavy work to
 * another thread. An exception thrown here is dropped; it never changes the decision.
 */
fun interface PinEventListener {
    fun onPinEvent(event: PinEvent)
}

internal class ListenerAdapter(private val listener: PinEventListener) : FfiPinEventListener {
    override fun onPinEvent(event: PinEventRecord) {
        try {
            listener.onPinEvent(event.toKotlin())
        } catch (_: Exception) {
            // Documented: a listener cannot change a decision, and its failure must not fail the handshake.
        }
    }
}

internal fun PinEventRecord.toKotlin(): PinEvent = PinEvent(
    host = host,
    port = port?.toInt(),
    pattern = pattern,
    includeSubdomains = includeSubdomains,
    enforced = enforced,
    outcome = outcome,
    matchedPin = matchedPin,
    allowed = allowed,
    expectedPins = expectedPins,
    chainPins = chainPins,
    chainSubjects = chainSubjects,
    chainDer = chainDer,
    expiration = expiration,
    at = at,
    configVersion = configVersion.toLong(),
)
