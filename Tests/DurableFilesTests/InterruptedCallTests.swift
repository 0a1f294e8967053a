import DurableFiles
import Foundation
import Synchronization
import SystemPackage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Signals caught while the writer was blocked (a handler without SA_RESTART: the kernel returns EINTR or a short
/// count instead of restarting the call).
private let signalsCaught = Atomic<Int>(0)

/// EINTR and short writes are handled in one place each: ``Durable/call(_:_:_:)`` for the calls swift-system does not
/// wrap, swift-system's `writeAll` for the bytes.
@Suite("Interrupted system calls", .serialized)
struct InterruptedCallTests {
    @Test func eintrIsRetriedAndOtherErrorsNameTheCallAndFile() throws {
        var calls = 0
        let result = try Durable.call("fsync", "/srv/ferry/a.xml") {
            calls += 1
            if calls < 3 { errno = EINTR; return -1 }
            return 7
        }
        #expect(result == 7)
        #expect(calls == 3)

        calls = 0
        let failure = try #require(throws: Durable.Failure.self) {
            try Durable.call("fsync", "/srv/ferry/a.xml") {
                calls += 1
                errno = ENOSPC
                return -1
            }
        }
        #expect(calls == 1)
        #expect(failure.errno == .noSpace)
        #expect(failure.description.hasPrefix("fsync /srv/ferry/a.xml: "))
        #expect(failure.description.contains("disk full"))
    }

    /// A real blocking write into a full pipe, interrupted by signals while the reader drains it slowly: the kernel
    /// cuts the write short or fails it with EINTR, and every byte still arrives once, in order.
    @Test func aWriteCutShortBySignalsDeliversEveryByteOnce() throws {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in signalsCaught.add(1, ordering: .relaxed) }
        action.sa_flags = 0
        var previous = sigaction()
        #expect(sigaction(SIGURG, &action, &previous) == 0)
        defer { sigaction(SIGURG, &previous, nil) }

        let (reader, writer) = try FileDescriptor.pipe()
        defer { try? reader.close() }
        let sent = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        // F_GETPIPE_SZ (1032): the pipe's capacity, 64 KiB unless the system is short of pipe pages.
        let capacity = fcntl(reader.rawValue, 1032)
        let writerThread = Mutex<pthread_t?>(nil)
        let outcome = Mutex<(finished: Bool, error: (any Error)?)>((false, nil))
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            writerThread.withLock { $0 = pthread_self() }
            do { _ = try Durable.system("write", "pipe") { try writer.writeAll(sent) } } catch {
                outcome.withLock { $0.error = error }
            }
            outcome.withLock { $0.finished = true }
            try? writer.close()
            done.signal()
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var signalled = 0
        while true {
            // Wait until the pipe is full, the writer then being blocked in write(2) (or about to be), and
            // interrupt it there; once the rest fits, the writer finishes instead.
            var queued: Int32 = 0
            while ioctl(reader.rawValue, UInt(FIONREAD), &queued) == 0, queued < capacity, !outcome.withLock({ $0.finished }) {
                usleep(100)
            }
            if queued >= capacity, let thread = writerThread.withLock({ $0 }) {
                pthread_kill(thread, SIGURG)
                signalled += 1
            }
            let count = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { break }
            received.append(contentsOf: chunk[..<count])
        }
        done.wait()
        #expect(outcome.withLock { $0.error } == nil)
        #expect(received.count == sent.count)
        #expect(received == sent)
        #expect(signalled > 0)
    }
}
