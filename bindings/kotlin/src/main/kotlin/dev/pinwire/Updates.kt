package dev.pinwire

import java.io.File
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import dev.pinwire.ffi.UpdateEvent as FfiUpdateEvent
import dev.pinwire.ffi.UpdateEventListener as FfiUpdateEventListener
import dev.pinwire.ffi.UpdateOutcome as FfiUpdateOutcome
import dev.pinwire.ffi.UpdateSource

/**
 * Where a client takes signed pin updates from, set in the block of [PinwireClient.Builder.updates]. The
 * pins given to the builder are the shipped ones: the floor the client falls back to whenever no valid
 * update is at hand.
 */
class UpdateOptions internal constructor() {
    private val keys = mutableListOf<String>()
    private var storeDirectory: String? = null
    private var url: String? = null
    private var interval: Duration? = null
    private var shippedVersion = 0L

    /** The public keys (JWK text, as `pinwire update keygen` prints) that may sign updates: one or more. */
    fun keys(vararg jwk: String) = apply { keys += jwk }

    /** Keeps the last accepted document in [dir] (Android `filesDir`) and reads it back at start. */
    fun storeDirectory(dir: File) = apply { storeDirectory = dir.path }

    /** Where [PinwireClient.checkForUpdate] fetches documents, over a connection pinned by the shipped pins. */
    fun url(url: String) = apply { this.url = url }

    /** Also fetches from [url] when the client is built and then every [interval]. */
    fun every(interval: Duration) = apply {
        require(interval.isPositive()) { "an update interval must be positive, was $interval" }
        this.interval = interval
    }

    /** The version of the shipped pins (default 0): a stored or fetched document must be newer. */
    fun shippedVersion(version: Long) = apply {
        require(version >= 0) { "a version must be >= 0, was $version" }
        shippedVersion = version
    }

    internal fun toFfi(): UpdateSource = UpdateSource(
        keys = keys.toList(),
        storeDirectory = storeDirectory,
        url = url,
        fetchInterval = interval?.toJavaDuration(),
        shippedVersion = shippedVersion.toULong(),
    )
}

/** What [PinwireClient.applyUpdate] and [PinwireClient.checkForUpdate] did. */
sealed class UpdateOutcome {
    /** The document's version. */
    abstract val version: Long

    /** The document is now in use for every new connection. */
    data class Applied(override val version: Long, val previous: Long) : UpdateOutcome()

    /** The document was already in use. */
    data class Unchanged(override val version: Long) : UpdateOutcome()
}

internal fun FfiUpdateOutcome.toKotlin(): UpdateOutcome = when (this) {
    is FfiUpdateOutcome.Applied -> UpdateOutcome.Applied(version.toLong(), previous.toLong())
    is FfiUpdateOutcome.Unchanged -> UpdateOutcome.Unchanged(version.toLong())
}

/** What happened to an update: `APPLIED`, `UNCHANGED`, `REFUSED`, `NOT_STORED`. The core's enum. */
typealias UpdateEventKind = dev.pinwire.ffi.UpdateEventKind

/** Where an update document came from: `APP`, `FETCHED`, `STORED`. The core's enum. */
typealias UpdateOrigin = dev.pinwire.ffi.UpdateOrigin

/** One update outcome, including those of the stored document at start and of scheduled fetches. */
data class UpdateEvent(
    /** What happened. */
    val kind: UpdateEventKind,
    /** The document's version, when known. */
    val version: Long?,
    /** The version in use before, for `APPLIED`. */
    val previous: Long?,
    /** Where the document came from (null for `NOT_STORED`). */
    val origin: UpdateOrigin?,
    /** The update URL, for a fetched document. */
    val url: String?,
    /** Why it was refused, for `REFUSED`. */
    val refusal: UpdateRefusal?,
    /** The message, for `REFUSED` and `NOT_STORED`. */
    val detail: String?,
)

/**
 * Hears every update outcome of a client ([PinwireClient.Builder.updateListener]). Called on the thread
 * that applied the update: return quickly. An exception thrown here is dropped.
 */
fun interface UpdateListener {
    fun onUpdateEvent(event: UpdateEvent)
}

internal class UpdateListenerAdapter(private val listener: UpdateListener) : FfiUpdateEventListener {
    override fun onUpdateEvent(event: FfiUpdateEvent) {
        try {
            listener.onUpdateEvent(
                UpdateEvent(
                    kind = event.kind,
                    version = event.version?.toLong(),
                    previous = event.previous?.toLong(),
                    origin = event.origin,
                    url = event.url,
                    refusal = event.refusal,
                    detail = event.detail,
                ),
            )
        } catch (_: Exception) {
            // Documented: a listener's failure must not change or fail the update.
        }
    }
}
