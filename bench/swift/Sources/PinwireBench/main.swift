// The Swift bench client of scripts/bench.sh: Pinwire through its Swift API on Linux (the UniFFI Swift over the
// C ABI, no JNA), driven by `pinwire-bench run` with the line protocol of bench/src/client.rs: one command a
// line on stdin, one JSON line on stdout. Benchmarks, not tests.
//
//   PinwireBench client pinwire-swift DIR
//
// Commands: `seq PORT SECS`, `conc PORT SECS WORKERS`, `connab SECS` (pinned and unpinned new connections
// in turn), `bulk PORT`, `ffi SECS`, `quit`. PORT is `h2` or `h1`.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Pinwire

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What `pinwire-bench setup` wrote (bench.json, root.pem).
struct BenchEnv: Sendable {
    let dir: String
    let host: String
    let leafPin: String
    let backupPin: String
    let rootPem: String
    let ports: [String: Int]

    init(dir: String) throws {
        self.dir = dir
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/bench.json"))
        guard let info = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let host = info["host"] as? String,
            let pins = info["pins"] as? [String: Any],
            let leaf = pins["leaf"] as? String,
            let backup = pins["backup"] as? String,
            let ports = info["ports"] as? [String: Any]
        else { throw BenchError("\(dir)/bench.json: not what pinwire-bench setup writes") }
        self.host = host
        leafPin = leaf
        backupPin = backup
        self.ports = ports.compactMapValues { ($0 as? NSNumber)?.intValue }
        rootPem = try String(contentsOfFile: dir + "/root.pem", encoding: .utf8)
    }

    func url(_ port: String, _ path: String) throws -> URL {
        guard let number = ports[port], let url = URL(string: "https://\(host):\(number)\(path)") else {
            throw BenchError("no port \(port) (h2, h1, conn)")
        }
        return url
    }
}

/// Pinwire pinned to the bench pins (leaf and a backup key) and unpinned, trusting only the bench root.
final class Bench: Sendable {
    let pinned: PinwireClient
    let unpinned: PinwireClient

    init(_ env: BenchEnv) throws {
        func build(_ pinned: Bool) throws -> PinwireClient {
            var builder = PinwireClient.Builder()
            if pinned {
                builder = builder.add(env.host, env.leafPin, env.backupPin)
            }
            return try builder
                .trustedRoots(pem: env.rootPem)
                .includePlatformTrust(false)
                .resolve(env.host, to: "127.0.0.1")
                .userAgent("pinwire-bench")
                .build()
        }
        pinned = try build(true)
        unpinned = try build(false)
    }

    /// A small GET, its body read whole (as the Kotlin client does); the body's length.
    func get(_ url: URL, pinned: Bool = true) async throws -> Int {
        let response = try await (pinned ? self.pinned : unpinned).get(url)
        guard response.status == 200 else { throw BenchError("\(url): status \(response.status)") }
        return try await response.data().count
    }

    /// A GET whose body is read chunk by chunk as it arrives (counting, not keeping it); its length.
    func download(_ url: URL) async throws -> Int {
        let response = try await pinned.get(url)
        guard response.status == 200 else { throw BenchError("\(url): status \(response.status)") }
        var n = 0
        for try await chunk in response.body {
            n += chunk.count
        }
        return n
    }
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func deadline(_ secs: String) throws -> UInt64 {
    guard let s = Double(secs) else { throw BenchError("\(secs): seconds expected") }
    return now() + UInt64(s * 1e9)
}

/// CPU time of the whole process (every thread, user + system), in nanoseconds.
func cpuNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Peak RSS (VmHWM) in KiB.
func peakKib() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.dropFirst("VmHWM:".count).filter(\.isNumber)
        return Int(String(digits)) ?? 0
    }
    return 0
}

/// Resets the peak RSS to the current RSS (Linux clear_refs 5).
func resetPeak() -> Bool {
    guard let file = fopen("/proc/self/clear_refs", "w") else { return false }
    let wrote = fputs("5", file) >= 0
    return fclose(file) == 0 && wrote
}

/// `{"ops":..,"secs":..,"cpu_secs":..}` for the work of [block], which returns how many operations it made.
func timed(_ block: () async throws -> Int) async rethrows -> String {
    let cpu = cpuNanos()
    let start = now()
    let ops = try await block()
    let secs = Double(now() - start) / 1e9
    let cpuSecs = Double(cpuNanos() - cpu) / 1e9
    return #"{"ops":\#(ops),"secs":\#(secs),"cpu_secs":\#(cpuSecs)}"#
}

func answer(_ bench: Bench, _ env: BenchEnv, _ line: String) async throws -> String {
    let words = line.split(separator: " ").map(String.init)
    func word(_ i: Int) throws -> String {
        guard i < words.count else { throw BenchError("\(line): too few words") }
        return words[i]
    }
    switch words.first {
    case "seq":
        let url = try env.url(try word(1), "/small")
        let end = try deadline(try word(2))
        return try await timed {
            var ops = 0
            while now() < end {
                _ = try await bench.get(url)
                ops += 1
            }
            return ops
        }
    case "conc":
        let url = try env.url(try word(1), "/small")
        let end = try deadline(try word(2))
        guard let workers = Int(try word(3)) else { throw BenchError("\(line): workers expected") }
        return try await timed {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<workers {
                    group.addTask {
                        var ops = 0
                        while now() < end {
                            _ = try await bench.get(url)
                            ops += 1
                        }
                        return ops
                    }
                }
                return try await group.reduce(0, +)
            }
        }
    case "connab":
        // New connections from the pinned and the unpinned client in turn, so that drift hits both alike.
        let url = try env.url("conn", "/small")
        let end = try deadline(try word(1))
        var time = [UInt64](repeating: 0, count: 2)
        var ops = [Int](repeating: 0, count: 2)
        while now() < end {
            for k in 0..<2 {
                let start = now()
                _ = try await bench.get(url, pinned: k == 0)
                time[k] += now() - start
                ops[k] += 1
            }
        }
        func rate(_ k: Int) -> Double { Double(ops[k]) / (Double(time[k]) / 1e9) }
        return #"{"modes":{"pinned":\#(rate(0)),"unpinned":\#(rate(1))}}"#
    case "bulk":
        let url = try env.url(try word(1), "/big.bin")
        let reset = resetPeak()
        let before = peakKib()
        let start = now()
        let bytes = try await bench.download(url)
        let secs = Double(now() - start) / 1e9
        let growth = max(0, peakKib() - before)
        return #"{"bytes":\#(bytes),"secs":\#(secs),"rss_growth_kib":\#(growth),"peak_reset":\#(reset)}"#
    case "ffi":
        // A call into Pinwire that does no I/O, as the Rust and Kotlin clients make it.
        let key = try Data(contentsOf: URL(fileURLWithPath: env.dir + "/backup.spki.der"))
        let end = try deadline(try word(1))
        var sink = 0
        let result = try await timed {
            var ops = 0
            while now() < end {
                for _ in 0..<256 {
                    sink &+= try Pin.fromPublicKey(key).count
                }
                ops += 256
            }
            return ops
        }
        guard sink != 0 else { throw BenchError("no pins") }
        return result
    default:
        throw BenchError("unknown command \(line)")
    }
}

func jsonString(_ s: String) -> String {
    let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: "\\n")
    return "\"\(escaped)\""
}

/// One JSON line on stdout, flushed (stdout is a pipe).
func emit(_ line: String) {
    print(line)
    fflush(stdout)
}

#if compiler(>=6.1)
let swiftVersion = "Swift 6.1 or newer"
#elseif compiler(>=6.0)
let swiftVersion = "Swift 6.0"
#else
let swiftVersion = "Swift 5"
#endif

let arguments = CommandLine.arguments
guard arguments.count == 4, arguments[1] == "client", arguments[2] == "pinwire-swift" else {
    FileHandle.standardError.write(Data("usage: PinwireBench client pinwire-swift DIR\n".utf8))
    exit(2)
}
do {
    let env = try BenchEnv(dir: arguments[3])
    let bench = try Bench(env)
    emit(#"{"ready":true,"version":\#(jsonString(swiftVersion))}"#)
    while let line = readLine() {
        let command = line.trimmingCharacters(in: .whitespaces)
        if command == "quit" { break }
        do {
            emit(try await answer(bench, env, command))
        } catch {
            emit(#"{"error":\#(jsonString("\(error)"))}"#)
        }
    }
} catch {
    emit(#"{"error":\#(jsonString("\(error)"))}"#)
    exit(1)
}
