package dev.pinwire

import java.time.Instant
import dev.pinwire.ffi.PinEventListener as FfiPinEventListener
import dev.pinwire.ffi.PinEventRecord
import dev.pinwire.ffi.PinOutcomeKind

/** The outcome of one pin check. */
enum class PinOutcome {
    /** A pin matched ([PinEvent.matchedPin]). */
    MATCHED,

    /** No pin matched: the connection failed, or went on if the rule is report-only. */
    MISMATCH,

    /** The rule's pin set has expired and was not enforced (the host got ordinary validation). */
    EXPIRED,
}

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
    outcome = when (outcome) {
        PinOutcomeKind.MATCHED -> PinOutcome.MATCHED
        PinOutcomeKind.MISMATCH -> PinOutcome.MISMATCH
        PinOutcomeKind.EXPIRED -> PinOutcome.EXPIRED
    },
    matchedPin = matchedPin,
    allowed = allowed,
    expectedPins = expectedPins,
    chainPins = chainPins,
    chainSubjects = chainSubjects,
    chainDer = chainDer,
    expiration = expirationEpochSeconds?.let(Instant::ofEpochSecond),
    at = Instant.ofEpochMilli(atEpochMillis),
)
