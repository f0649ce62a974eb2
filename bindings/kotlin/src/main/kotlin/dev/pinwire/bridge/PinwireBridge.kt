package dev.pinwire.bridge

import dev.pinwire.Call
import dev.pinwire.PinConfig
import dev.pinwire.PinwireClient
import dev.pinwire.Request
import dev.pinwire.Response
import java.io.Closeable
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

/** How [PinwireBridge.handle] answers: exactly one of the two, once, on a bridge thread. */
interface BridgeReply {
    /** The call succeeded with [result], a plain message. */
    fun success(result: Map<String, Any?>)

    /** The call failed: [error] carries `code`, `message` and the error's fields ([BridgeException.toMessage]). */
    fun error(error: BridgeException)
}

/** The method names of bridge messages (see [PinwireBridge]). */
object BridgeMethods {
    const val CREATE_CLIENT = "createClient"
    const val NEW_CALL = "newCall"
    const val EXECUTE = "execute"
    const val READ_CHUNK = "readChunk"
    const val CANCEL = "cancel"
    const val CLOSE_CALL = "closeCall"
    const val CLOSE_CLIENT = "closeClient"
    const val OPEN_HANDLES = "openHandles"

    /** Every method, for hosts that check their tables against this one. */
    val ALL = listOf(CREATE_CLIENT, NEW_CALL, EXECUTE, READ_CHUNK, CANCEL, CLOSE_CALL, CLOSE_CLIENT, OPEN_HANDLES)
}

/**
 * The host bridge: Pinwire's Kotlin API behind plain messages (maps of strings, numbers, booleans, lists and
 * byte arrays), for hosts that cannot hold Kotlin objects: React Native's and Flutter's Android modules. It
 * keeps clients and calls in handle tables and hands out their ids; it has no pin or HTTP logic of its own.
 *
 * Messages (arguments -> result):
 * - `createClient {pins?, config?, configName?, configDebuggable?, trustedRootsPem?, includePlatformTrust?,
 *   dangerousAllowSinglePin?, connectTimeoutMs?, readTimeoutMs?, callTimeoutMs?, maxRedirects?, http1Only?,
 *   resolve?, userAgent?, proxy?}` -> `{client}`. `pins` maps a pattern to its pins, or to
 *   `{pins, includeSubdomains?, reportOnly?, expiresAtMs?}`; `config` is a Pinwire JSON configuration.
 * - `newCall {client, url, method?, headers?, body?, callTimeoutMs?}` -> `{call}`: nothing is sent yet, so the
 *   host holds an id it can cancel from the start. `headers` is a list of `[name, value]` pairs.
 * - `execute {call}` -> `{status, url, version, headers}` once the response head has arrived.
 * - `readChunk {call}` -> `{chunk}` (bytes, never empty) or `{done: true}`, after which the call is released.
 * - `cancel {call}` -> `{cancelled}`: stops the request or body read in flight (which then fails with
 *   `Cancelled`) and releases the call; `cancelled` is false when the call was already gone.
 * - `closeCall {call}` -> `{closed}`: discards the rest of the body and releases the call.
 * - `closeClient {client}` -> `{closed}`: cancels the client's calls and closes it.
 * - `openHandles {}` -> `{clients, calls}`: how many ids are live.
 *
 * A failure is a [BridgeException] (`code`, `message`, fields), and a call that fails is released: ids are
 * never leaked on errors. Pin events go to [events] as [BridgeEvents.PIN_EVENT] with the client's id.
 */
class PinwireBridge @JvmOverloads constructor(private val events: BridgeEventSink? = null) : Closeable {
    private class ClientEntry(val client: PinwireClient) {
        val calls: MutableSet<Int> = ConcurrentHashMap.newKeySet()
    }

    private class CallEntry(val clientId: Int, val call: Call) {
        val executed = AtomicBoolean(false)
        val reading = AtomicBoolean(false)

        @Volatile
        var response: Response? = null

        /** Stops whatever is in flight and frees the response. */
        fun release() {
            call.cancel()
            response?.close()
        }
    }

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val clients = HandleTable<ClientEntry>()
    private val calls = HandleTable<CallEntry>()

    /**
     * Runs [method] with [args] in the background and answers through [reply]; never throws. What React
     * Native's and Flutter's modules call for every message.
     */
    @OptIn(DelicateCoroutinesApi::class) // CoroutineStart.ATOMIC, for the reason given below
    fun handle(method: String, args: Map<String, Any?>, reply: BridgeReply) {
        if (!scope.isActive) {
            reply.error(BridgeException(BridgeErrorCodes.CLOSED, "the bridge was closed", mapOf("what" to "bridge")))
            return
        }
        // ATOMIC: a close() racing with this call still runs the block, which then answers Cancelled.
        scope.launch(start = CoroutineStart.ATOMIC) {
            val result = try {
                call(method, args)
            } catch (e: Throwable) {
                reply.error(e.toBridge())
                return@launch
            }
            reply.success(result)
        }
    }

    /** Runs [method] with [args]; a failure throws [BridgeException]. */
    suspend fun call(method: String, args: Map<String, Any?>): Map<String, Any?> {
        val message = BridgeMessage(method, args)
        try {
            return when (method) {
                BridgeMethods.CREATE_CLIENT -> createClient(message)
                BridgeMethods.NEW_CALL -> newCall(message)
                BridgeMethods.EXECUTE -> execute(message)
                BridgeMethods.READ_CHUNK -> readChunk(message)
                BridgeMethods.CANCEL -> mapOf("cancelled" to releaseCall(message.id("call")))
                BridgeMethods.CLOSE_CALL -> mapOf("closed" to releaseCall(message.id("call")))
                BridgeMethods.CLOSE_CLIENT -> mapOf("closed" to closeClient(message.id("client")))
                BridgeMethods.OPEN_HANDLES -> openHandles()
                else -> throw BridgeException(BridgeErrorCodes.BAD_MESSAGE, "unknown method $method")
            }
        } catch (e: Throwable) {
            throw e.toBridge()
        }
    }

    /** How many clients and calls are live: `{clients, calls}`. */
    fun openHandles(): Map<String, Any?> = linkedMapOf("clients" to clients.size, "calls" to calls.size)

    /** Closes every client and call (the host module is going away). The bridge must not be used after. */
    override fun close() {
        calls.drain().forEach(CallEntry::release)
        clients.drain().forEach { it.client.close() }
        scope.cancel()
    }

    private fun createClient(message: BridgeMessage): Map<String, Any?> {
        val id = AtomicInteger(0)
        val builder = PinwireClient.builder()
        message.optMap("pins")?.forEach { (pattern, rule) -> addRule(message, builder, pattern, rule) }
        message.optStrings("trustedRootsPem")?.let { builder.trustedRootsPem(*it.toTypedArray()) }
        message.optBoolean("includePlatformTrust")?.let(builder::includePlatformTrust)
        if (message.optBoolean("dangerousAllowSinglePin") == true) builder.dangerousAllowSinglePin()
        message.optNonNegative("connectTimeoutMs")?.let { builder.connectTimeout(it.milliseconds) }
        message.optNonNegative("readTimeoutMs")?.let { builder.readTimeout(it.milliseconds) }
        message.optNonNegative("callTimeoutMs")?.let { builder.callTimeout(it.milliseconds) }
        message.optNonNegative("maxRedirects")?.let {
            if (it > Int.MAX_VALUE) message.bad("maxRedirects is too large")
            builder.maxRedirects(it.toInt())
        }
        message.optBoolean("http1Only")?.let(builder::http1Only)
        message.optMap("resolve")?.forEach { (host, address) ->
            builder.resolve(host, address as? String ?: message.bad("resolve.$host must be an address string"))
        }
        message.optString("userAgent")?.let(builder::userAgent)
        message.optString("proxy")?.let(builder::proxy)
        if (events != null) builder.listener { event -> events.onEvent(BridgeEvents.PIN_EVENT, pinEventMessage(id.get(), event)) }
        val client = when (val json = message.optString("config")) {
            null -> builder.build()
            else -> PinConfig.fromJson(
                json,
                message.optString("configName") ?: "pinwire.json",
                message.optBoolean("configDebuggable") ?: false,
            ).use { config -> builder.config(config).build() }
        }
        // No handshake can happen before the id is known: the client has made no call yet.
        id.set(clients.add(ClientEntry(client)))
        return mapOf("client" to id.get())
    }

    private fun addRule(message: BridgeMessage, builder: PinwireClient.Builder, pattern: String, rule: Any?) {
        fun strings(value: Any?, what: String): Array<String> =
            (value as? List<*>)?.map { it as? String ?: message.bad("$what must hold strings") }?.toTypedArray()
                ?: message.bad("$what must be a list of pins")
        when (rule) {
            is List<*> -> builder.add(pattern, *strings(rule, "pins.$pattern"))
            is Map<*, *> -> {
                val options = BridgeMessage("pins.$pattern", rule.entries.associate { (k, v) -> k.toString() to v })
                builder.add(pattern, *strings(rule["pins"], "pins.$pattern.pins")) {
                    options.optBoolean("includeSubdomains")?.let { includeSubdomains(it) }
                    options.optBoolean("reportOnly")?.let { reportOnly(it) }
                    options.optLong("expiresAtMs")?.let { expiresAt(Instant.ofEpochMilli(it)) }
                }
            }
            else -> message.bad("pins.$pattern must be a list of pins or {pins, includeSubdomains, reportOnly, expiresAtMs}")
        }
    }

    private fun newCall(message: BridgeMessage): Map<String, Any?> {
        val clientId = message.id("client")
        val owner = clients[clientId] ?: unknown("client", clientId)
        val request = Request.Builder().url(message.string("url")).apply {
            method(message.optString("method")?.uppercase() ?: "GET", message.optBytes("body"))
            message.optHeaders("headers")?.forEach { (name, value) -> header(name, value) }
            message.optNonNegative("callTimeoutMs")?.let { callTimeout(it.milliseconds) }
        }.build()
        val id = calls.add(CallEntry(clientId, owner.client.newCall(request)))
        owner.calls += id
        // closeClient may have drained the client's calls between the lookup and the add.
        if (clients[clientId] == null) {
            releaseCall(id)
            throw BridgeException(BridgeErrorCodes.CLOSED, "client was used after close()", mapOf("what" to "client"))
        }
        return mapOf("call" to id)
    }

    private suspend fun execute(message: BridgeMessage): Map<String, Any?> {
        val id = message.id("call")
        val entry = calls[id] ?: unknown("call", id)
        if (!entry.executed.compareAndSet(false, true)) message.bad("call $id was already executed")
        val response = try {
            entry.call.execute()
        } catch (e: Throwable) {
            releaseCall(id)
            throw e
        }
        entry.response = response
        // A cancel that ran while the head was on its way found no response to close.
        if (calls[id] == null) {
            response.close()
            throw BridgeException(BridgeErrorCodes.CANCELLED, "the call was cancelled")
        }
        return linkedMapOf(
            "status" to response.status,
            "url" to response.url,
            "version" to response.version,
            "headers" to response.headers.map { (name, value) -> listOf(name, value) },
        )
    }

    private suspend fun readChunk(message: BridgeMessage): Map<String, Any?> {
        val id = message.id("call")
        val entry = calls[id] ?: unknown("call", id)
        val response = entry.response ?: message.bad("call $id has no response yet: execute it first")
        if (!entry.reading.compareAndSet(false, true)) message.bad("call $id is already being read")
        val chunk = try {
            response.chunk()
        } catch (e: Throwable) {
            releaseCall(id)
            throw e
        } finally {
            entry.reading.set(false)
        }
        if (chunk == null) {
            releaseCall(id)
            return mapOf("done" to true)
        }
        return mapOf("chunk" to chunk)
    }

    /** Removes call [id] and stops what it has in flight; false when it was already gone. */
    private fun releaseCall(id: Int): Boolean {
        val entry = calls.remove(id) ?: return false
        clients[entry.clientId]?.calls?.remove(id)
        entry.release()
        return true
    }

    private fun closeClient(id: Int): Boolean {
        val entry = clients.remove(id) ?: return false
        entry.calls.toList().forEach(::releaseCall)
        entry.client.close()
        return true
    }

    private fun unknown(kind: String, id: Int): Nothing =
        throw BridgeException(BridgeErrorCodes.UNKNOWN_HANDLE, "no live $kind with id $id", linkedMapOf("kind" to kind, "id" to id))
}
