package dev.pinwire.okhttp

import dev.pinwire.PinwireClient
import dev.pinwire.TestServer
import dev.pinwire.testClient

/** Pinned to the test servers' real keys: the leaf's, and the root's as the backup. */
fun pinnedClient(configure: PinwireClient.Builder.() -> Unit = {}): PinwireClient = testClient {
    add("**.pinwire.test", TestServer.pin("leaf"), TestServer.pin("root"))
    configure()
}

/**
 * Pinned as [pinnedClient], and also trusting the Evil Root, so the impostor server's chain validates and
 * only the pins can refuse it.
 */
fun impostorTrustingClient(): PinwireClient = pinnedClient { trustedRootsPem(TestServer.rootPem("evil")) }
