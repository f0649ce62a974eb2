package dev.pinwire.soak

import java.io.File
import java.lang.management.ManagementFactory

/** What this process holds, read from /proc/self and the JVM. */
data class Probe(
    /** Open file descriptors (/proc/self/fd): the Rust library's sockets included. */
    val fds: Int,
    /** Live JVM threads (native threads attached through JNA included). */
    val jvmThreads: Int,
    /** OS threads of the process (/proc/self/status `Threads`): the Rust runtime's too. */
    val osThreads: Int,
    /** Resident memory in KiB (/proc/self/status `VmRSS`). */
    val rssKib: Long,
) {
    companion object {
        fun now(): Probe {
            val status = File("/proc/self/status").readLines()
            fun field(name: String): Long =
                status.first { it.startsWith("$name:") }.substringAfter(':').trim().split(' ')[0].toLong()
            return Probe(
                fds = File("/proc/self/fd").list()?.size ?: -1,
                jvmThreads = ManagementFactory.getThreadMXBean().threadCount,
                osThreads = field("Threads").toInt(),
                rssKib = field("VmRSS"),
            )
        }

        /** Java heap in use after a full collection, in KiB. */
        fun heapAfterGcKib(): Long {
            repeat(2) { System.gc() }
            val runtime = Runtime.getRuntime()
            return (runtime.totalMemory() - runtime.freeMemory()) / 1024
        }
    }
}

/** Sockets of this process in state ESTABLISHED to 127.0.0.1 on any of [ports]. */
fun establishedTo(ports: Collection<Int>): Int = ports.sumOf { dev.pinwire.establishedConnectionsTo(it) }
