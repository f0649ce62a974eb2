import Foundation
#if !canImport(FoundationNetworking)
import CoreFoundation
#endif

#if canImport(FoundationNetworking)
/// swift-corelibs-foundation's client may be called from any thread: it hands everything to the session's
/// queues itself.
struct ClientThread: Sendable {
    static var current: ClientThread { ClientThread() }

    func run(_ body: @escaping () -> Void) {
        body()
    }
}
#else
/// On Apple platforms a protocol calls its client on the thread that called `startLoading`, in the run
/// loop mode it was called in (the `URLProtocol` contract): blocks go to that thread's run loop, in order.
struct ClientThread: @unchecked Sendable {
    private let runLoop: CFRunLoop
    private let modes: CFArray

    static var current: ClientThread {
        let runLoop = CFRunLoopGetCurrent()!
        var modes: [CFString] = [CFRunLoopMode.defaultMode.rawValue]
        if let mode = CFRunLoopCopyCurrentMode(runLoop), mode != CFRunLoopMode.defaultMode {
            modes.append(mode.rawValue)
        }
        return ClientThread(runLoop: runLoop, modes: modes as CFArray)
    }

    private init(runLoop: CFRunLoop, modes: CFArray) {
        self.runLoop = runLoop
        self.modes = modes
    }

    func run(_ body: @escaping () -> Void) {
        let block = Block(body)
        CFRunLoopPerformBlock(runLoop, modes) { block.body() }
        CFRunLoopWakeUp(runLoop)
    }

    /// Carries a closure to the run loop whatever the SDK says about the block's sendability.
    private final class Block: @unchecked Sendable {
        let body: () -> Void

        init(_ body: @escaping () -> Void) {
            self.body = body
        }
    }
}
#endif
