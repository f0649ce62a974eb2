package dev.pinwire.bridge

import dev.pinwire.PinEvent

/**
 * Where a bridge sends what no call asked for: pin events. Called on Pinwire's own threads during a TLS
 * handshake: hand the message to the host's event channel and return.
 */
fun interface BridgeEventSink {
    /** [name] is one of [BridgeEvents]; [body] a plain message. */
    fun onEvent(name: String, body: Map<String, Any?>)
}

/** The names of bridge events. */
object BridgeEvents {
    /** A pin decision: see [pinEventMessage] for its fields. */
    const val PIN_EVENT = "pinEvent"
}

/** A [PinEvent] of client [clientId] as a plain message (the chain's DER is left out: hosts get its pins). */
internal fun pinEventMessage(clientId: Int, event: PinEvent): Map<String, Any?> = linkedMapOf(
    "client" to clientId,
    "host" to event.host,
    "port" to event.port,
    "pattern" to event.pattern,
    "includeSubdomains" to event.includeSubdomains,
    "enforced" to event.enforced,
    "outcome" to constantName(event.outcome.name),
    "matchedPin" to event.matchedPin,
    "allowed" to event.allowed,
    "expectedPins" to event.expectedPins,
    "chainPins" to event.chainPins,
    "chainSubjects" to event.chainSubjects,
    "expiresAtMs" to event.expiration?.toEpochMilli(),
    "atMs" to event.at.toEpochMilli(),
)
