package dev.pinwire.soak

import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.Structure
import java.lang.management.ManagementFactory
import javax.management.ObjectName

/**
 * The part of the C heap that Rust and JNA hold: what glibc's malloc has handed out and not had back
 * (`mallinfo2`: in use, not the free memory it keeps cached), less what the JVM itself has malloc'd
 * (Native Memory Tracking's total, so the JVM needs `-XX:NativeMemoryTracking=summary`).
 *
 * RSS cannot tell a leak from an allocator keeping freed memory for reuse; this can: a native object
 * or buffer never freed stays in use after the client is closed and the Java objects are collected.
 */
object NativeHeap {
    @Suppress("unused") // read by JNA, by field order
    @Structure.FieldOrder("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")
    open class MallInfo2 : Structure() {
        @JvmField var arena: Long = 0
        @JvmField var ordblks: Long = 0
        @JvmField var smblks: Long = 0
        @JvmField var hblks: Long = 0

        /** Bytes in chunks malloc got from mmap (large allocations), all in use. */
        @JvmField var hblkhd: Long = 0
        @JvmField var usmblks: Long = 0
        @JvmField var fsmblks: Long = 0

        /** Bytes in use in malloc's arenas. */
        @JvmField var uordblks: Long = 0
        @JvmField var fordblks: Long = 0
        @JvmField var keepcost: Long = 0

        class ByValue : MallInfo2(), Structure.ByValue
    }

    private interface LibC : Library {
        fun mallinfo2(): MallInfo2.ByValue
    }

    private val libc: LibC? = runCatching { Native.load("c", LibC::class.java) }.getOrNull()

    private val nmtTotal = Regex("""^\s*malloc:\s*(\d+)KB""", RegexOption.MULTILINE)

    /** The JVM's own malloc'd KiB, or null without Native Memory Tracking. */
    private fun jvmMallocKib(): Long? = runCatching {
        val report = ManagementFactory.getPlatformMBeanServer().invoke(
            ObjectName("com.sun.management:type=DiagnosticCommand"),
            "vmNativeMemory",
            arrayOf<Any>(arrayOf("summary", "scale=KB")),
            arrayOf(Array<String>::class.java.name),
        ) as String
        nmtTotal.find(report)?.groupValues?.get(1)?.toLong()
    }.getOrNull()

    /** KiB of the C heap in use outside the JVM's own allocations; null where it cannot be measured. */
    fun outsideJvmKib(): Long? {
        val jvm = jvmMallocKib() ?: return null
        val info = libc?.let { runCatching { it.mallinfo2() }.getOrNull() } ?: return null
        return (info.uordblks + info.hblkhd) / 1024 - jvm
    }
}
