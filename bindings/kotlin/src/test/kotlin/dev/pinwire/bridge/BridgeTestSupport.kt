package dev.pinwire.bridge

import dev.pinwire.TestServer
import kotlinx.coroutines.CompletableDeferred

/** `createClient` arguments for a client that trusts only the Test Root and resolves the test host locally. */
fun clientArgs(vararg extra: Pair<String, Any?>): Map<String, Any?> = linkedMapOf(
    "trustedRootsPem" to listOf(TestServer.rootPem("test")),
    "includePlatformTrust" to false,
    "resolve" to mapOf(TestServer.host to "127.0.0.1"),
) + extra

/** [clientArgs] with `pins` for the test host. */
fun pinnedClientArgs(vararg pins: String, extra: Map<String, Any?> = emptyMap()): Map<String, Any?> =
    clientArgs("pins" to mapOf(TestServer.host to pins.toList())) + extra

/** `newCall` arguments as the TypeScript package sends them: method and headers always, body when there is one. */
fun callArgs(client: Any?, url: String, method: String = "GET", headers: List<List<String>> = emptyList(), body: Any? = null) =
    linkedMapOf("client" to client, "url" to url, "method" to method, "headers" to headers).apply {
        if (body != null) put("body", body)
    }

/** The bridge's asynchronous entry point, as hosts use it, awaited. */
suspend fun PinwireBridge.send(method: String, args: Map<String, Any?> = emptyMap()): Map<String, Any?> {
    val answer = CompletableDeferred<Map<String, Any?>>()
    handle(
        method,
        args,
        object : BridgeReply {
            override fun success(result: Map<String, Any?>) {
                check(answer.complete(result)) { "answered twice" }
            }

            override fun error(error: BridgeException) {
                check(answer.completeExceptionally(error)) { "answered twice" }
            }
        },
    )
    return answer.await()
}

/** Reads call [call] to its end with `readChunk`; returns the body. */
suspend fun readAll(call: suspend (String, Map<String, Any?>) -> Map<String, Any?>, id: Any?): ByteArray {
    val out = java.io.ByteArrayOutputStream()
    while (true) {
        val answer = call(BridgeMethods.READ_CHUNK, mapOf("call" to id))
        if (answer["done"] == true) return out.toByteArray()
        out.write(answer["chunk"] as ByteArray)
    }
}
