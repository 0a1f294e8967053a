import CInotifyTools
import Foundation
import Synchronization

/// The process's one inotify reader, on a dedicated thread, shared by every ``FolderWatcher``.
///
/// libinotifytools keeps one global inotify instance and is not thread-safe, so every call into it happens on
/// this thread. Other threads queue commands and wake the thread by writing a byte to a pipe whose read end the
/// hub itself watches through `/proc/self/fd` (libinotifytools gives no other way to interrupt its blocking
/// read). The pipe leaves nothing on disk, whatever way the process ends.
final class InotifyHub: Sendable {
    /// The shared hub, or the reason inotify is unavailable (then folders fall back to polling).
    static let shared: Result<InotifyHub, WatchError> = {
        do { return .success(try InotifyHub()) } catch let error as WatchError { return .failure(error) } catch {
            return .failure(WatchError(folder: "(inotify)", errno: EINVAL, action: "start inotify for"))
        }
    }()

    private struct Subscription {
        let id: UInt64
        let deliver: @Sendable (FolderEvent) -> Void
    }

    private struct State {
        var commands: [Command] = []
        var subscribers: [String: [Subscription]] = [:]
        var watchByFolder: [String: Int32] = [:]
        var folderByWatch: [Int32: String] = [:]
        /// Folders deleted or moved away: re-armed as soon as they exist again.
        var unarmed: Set<String> = []
        var nextID: UInt64 = 1
    }

    private enum Command {
        case add(folder: String, id: UInt64, deliver: @Sendable (FolderEvent) -> Void, done: @Sendable (Int32) -> Void)
        case remove(folder: String, id: UInt64)
    }

    private let state = Mutex(State())
    /// The wake-up pipe: commands write a byte to `wakeWrite`; the reader thread empties `wakeRead`. Both
    /// non-blocking: a full pipe already holds a wake-up.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// The watch on the pipe's read end: its events are the wake-ups.
    private let wakeWatch: Int32
    private static let folderMask = FERRY_IN_CLOSE_WRITE | FERRY_IN_MOVED_TO | FERRY_IN_CREATE
        | FERRY_IN_DELETE_SELF | FERRY_IN_MOVE_SELF | FERRY_IN_ONLYDIR

    private init() throws {
        guard inotifytools_initialize() != 0 else {
            throw WatchError(folder: "(inotify)", errno: inotifytools_error(), action: "start inotify for")
        }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw WatchError(folder: "(inotify wake-up pipe)", errno: errno, action: "create") }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        // A write to the pipe is an IN_MODIFY on its inode, which the /proc link names.
        let wakePath = "/proc/self/fd/\(ends[0])"
        guard inotifytools_watch_file(wakePath, FERRY_IN_MODIFY) != 0 else {
            let code = inotifytools_error()
            ends.forEach { close($0) }
            throw WatchError(folder: wakePath, errno: code, action: "watch")
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        wakeWatch = Self.watchDescriptor(of: wakePath)
        let thread = Thread { [self] in self.readLoop() }
        thread.name = "ferry-inotify"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Watches `folder` for `deliver`; returns 0 or the errno that prevented the watch (ENOSPC: watch limit).
    func subscribe(folder: String, deliver: @escaping @Sendable (FolderEvent) -> Void) async -> (id: UInt64, errno: Int32) {
        let id = state.withLock { s -> UInt64 in
            defer { s.nextID += 1 }
            return s.nextID
        }
        let code = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            state.withLock { $0.commands.append(.add(folder: folder, id: id, deliver: deliver, done: { continuation.resume(returning: $0) })) }
            wake()
        }
        return (id, code)
    }

    /// Stops delivering events of `folder` to the subscription `id`.
    func unsubscribe(folder: String, id: UInt64) {
        state.withLock { $0.commands.append(.remove(folder: folder, id: id)) }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        // EAGAIN: the pipe is full of wake-ups the reader has not emptied yet; one more adds nothing.
        _ = write(wakeWrite, &byte, 1)
    }

    /// Empties the wake-up pipe before the commands are read, so a wake-up written after this is seen again.
    private func emptyWakeups() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    // MARK: The reader thread

    private func readLoop() {
        // The pipe is emptied after a wake-up (or a timeout, or if its watch is unknown), not after every event:
        // a `read` that found it empty and a buffer for it were most of the hub's own work per file in a burst
        // (#18). A wake-up written after the emptying queues an event of its own, so none is missed; an overflow
        // may have dropped one, so it counts as a wake-up too. The commands themselves are taken on every turn.
        var wokenUp = true
        while true {
            if wokenUp { emptyWakeups() }
            applyCommands()
            rearm()
            // Seconds; the timeout only paces re-arming of deleted folders. Commands wake the read at once.
            guard let event = inotifytools_next_event(1) else {
                wokenUp = true
                continue
            }
            wokenUp = wakeWatch < 0 || event.pointee.wd == wakeWatch
                || Int32(bitPattern: event.pointee.mask) & FERRY_IN_Q_OVERFLOW != 0
            handle(event)
        }
    }

    private func applyCommands() {
        let commands = state.withLock { s -> [Command] in
            defer { s.commands = [] }
            return s.commands
        }
        for command in commands {
            switch command {
            case .add(let folder, let id, let deliver, let done):
                let needsWatch = state.withLock { $0.watchByFolder[folder] == nil }
                var code: Int32 = 0
                if needsWatch {
                    if inotifytools_watch_file(folder, Self.folderMask) != 0 {
                        let wd = Self.watchDescriptor(of: folder)
                        state.withLock {
                            $0.watchByFolder[folder] = wd
                            $0.folderByWatch[wd] = folder
                        }
                    } else {
                        code = inotifytools_error()
                    }
                }
                if code == 0 {
                    state.withLock { $0.subscribers[folder, default: []].append(Subscription(id: id, deliver: deliver)) }
                }
                done(code)
            case .remove(let folder, let id):
                let wd = state.withLock { s -> Int32? in
                    s.subscribers[folder]?.removeAll { $0.id == id }
                    guard s.subscribers[folder]?.isEmpty ?? true else { return nil }
                    s.subscribers[folder] = nil
                    s.unarmed.remove(folder)
                    guard let wd = s.watchByFolder.removeValue(forKey: folder) else { return nil }
                    s.folderByWatch[wd] = nil
                    return wd
                }
                if let wd { inotifytools_remove_watch_by_wd(wd) }
            }
        }
    }

    /// Tries to watch again the folders that were deleted or moved; on success their subscribers rescan.
    private func rearm() {
        let pending = state.withLock { $0.unarmed }
        for folder in pending where inotifytools_watch_file(folder, Self.folderMask) != 0 {
            let wd = Self.watchDescriptor(of: folder)
            let subscribers = state.withLock { s -> [Subscription] in
                s.unarmed.remove(folder)
                s.watchByFolder[folder] = wd
                s.folderByWatch[wd] = folder
                return s.subscribers[folder] ?? []
            }
            subscribers.forEach { $0.deliver(FolderEvent(folder: folder, name: nil, kind: .rescan)) }
        }
    }

    /// libinotifytools stores a watched directory's name with a trailing slash.
    private static func watchDescriptor(of folder: String) -> Int32 {
        let wd = inotifytools_wd_from_filename(folder + "/")
        return wd >= 0 ? wd : inotifytools_wd_from_filename(folder)
    }

    private func handle(_ event: UnsafeMutablePointer<inotify_event>) {
        let mask = Int32(bitPattern: event.pointee.mask)
        if mask & FERRY_IN_Q_OVERFLOW != 0 {
            // Events were dropped: every folder must be listed again.
            let all = state.withLock { $0.subscribers }
            for (folder, subscribers) in all {
                subscribers.forEach { $0.deliver(FolderEvent(folder: folder, name: nil, kind: .rescan)) }
            }
            return
        }
        let wd = event.pointee.wd
        guard let folder = state.withLock({ $0.folderByWatch[wd] }) else { return }
        if mask & (FERRY_IN_DELETE_SELF | FERRY_IN_MOVE_SELF | FERRY_IN_IGNORED | FERRY_IN_UNMOUNT) != 0 {
            let subscribers = state.withLock { s -> [Subscription] in
                s.folderByWatch[wd] = nil
                s.watchByFolder[folder] = nil
                s.unarmed.insert(folder)
                return s.subscribers[folder] ?? []
            }
            if mask & FERRY_IN_MOVE_SELF != 0 {
                inotifytools_remove_watch_by_wd(wd)
            } else {
                // The kernel dropped the watch but libinotifytools keeps its name -> wd entry, which would shadow
                // the new watch once the folder is recreated: rename the stale entry out of the way.
                inotifytools_set_filename_by_wd(wd, "/nonexistent/ferry-stale-watch-\(wd)/")
            }
            subscribers.forEach { $0.deliver(FolderEvent(folder: folder, name: nil, kind: .rescan)) }
            return
        }
        guard event.pointee.len > 0 else { return }
        // The name is a flexible array member right after the fixed part of the struct.
        let start = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
        let bytes = UnsafeRawBufferPointer(start: start, count: strlen(start.assumingMemoryBound(to: CChar.self)))
        let subscribersOfFolder = state.withLock { $0.subscribers[folder] ?? [] }
        guard let name = String(validating: bytes, as: UTF8.self) else {
            // A name that is not UTF-8: a listing reads its bytes and gives it its escaped name.
            subscribersOfFolder.forEach { $0.deliver(FolderEvent(folder: folder, name: nil, kind: .rescan)) }
            return
        }
        let kind: FolderEvent.Kind =
            mask & FERRY_IN_MOVED_TO != 0 ? .movedIn : mask & FERRY_IN_CLOSE_WRITE != 0 ? .closedAfterWrite : .created
        subscribersOfFolder.forEach { $0.deliver(FolderEvent(folder: folder, name: name, kind: kind)) }
    }
}
