import CSluiceBPF
import Glibc
import Logging
import Synchronization

/// Wakes the reconciler when anything in the policy directory changes, with
/// the time of the first event of the burst (time to enforce starts there),
/// and collects which manifest files the events name, so that a change to
/// one file of 10,000 reads that file instead of stat-ing every one. Names
/// the agent never reads (dotfiles, swap and temp files) change nothing.
/// inotify on a thread of its own (poll on the inotify fd and an eventfd, so
/// `stop()` can wake it). A directory removed or replaced is watched again
/// as soon as it exists.
final class DirectoryWatcher: Sendable {
    /// What changed since the last `takeChanges()`.
    struct Changes: Sendable, Equatable {
        var files: Set<String> = []
        /// Something no file name pins down (a ConfigMap's `..data` swap, the
        /// directory itself, lost events): the whole directory must be looked at.
        var everything = false
    }

    /// How the watch of the path was lost, if it was.
    enum Lost: Comparable {
        case none
        case gone
        case moved
    }

    /// Shared by the watcher thread, which adds, and the reconciler, which takes.
    final class Pending: Sendable {
        let changes = Mutex(Changes())
        /// Reads of events so far: a wait sees whether more came.
        let reads = Atomic<Int>(0)
    }

    let changes: AsyncStream<ContinuousClock.Instant>
    private let stopFD: Int32
    private let pending = Pending()

    /// Writes count when the writer closes the file (no IN_MODIFY), so a file
    /// rewritten in place is read whole, not half-written.
    static let mask = UInt32(IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
        | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

    /// `observe`, when given, is told the manifest names of each read of events, on the
    /// watcher's thread, before the reconciler is woken.
    init(path: String, observe: (@Sendable (Set<String>) -> Void)? = nil) throws(AgentError) {
        let (changes, continuation) = AsyncStream.makeStream(of: ContinuousClock.Instant.self,
                                                             bufferingPolicy: .bufferingOldest(1))
        self.changes = changes
        let inotifyFD = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotifyFD >= 0 else { throw .system(call: "inotify_init1", subject: path, errno: errno) }
        stopFD = sluice_eventfd(0, Int32(EFD_CLOEXEC))
        guard stopFD >= 0 else {
            close(inotifyFD)
            throw .system(call: "eventfd", subject: path, errno: errno)
        }
        // Watching before init returns: what happens after it is never missed.
        let watch = inotify_add_watch(inotifyFD, path, Self.mask)
        let thread = WatcherThread(path: path, inotifyFD: inotifyFD, stopFD: stopFD, watch: watch, pending: pending,
                                   continuation: continuation, observe: observe)
        var handle = pthread_t()
        let box = Unmanaged.passRetained(thread).toOpaque()
        pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<WatcherThread>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
        pthread_detach(handle)
    }

    func stop() {
        var one: UInt64 = 1
        _ = write(stopFD, &one, 8)
    }

    /// Grows with every read of events.
    var eventReads: Int { pending.reads.load(ordering: .acquiring) }

    /// Whether events named something since the last `takeChanges()`: a reconcile is coming.
    var hasChanges: Bool {
        pending.changes.withLock { !$0.files.isEmpty || $0.everything }
    }

    /// The changes since the last call; a wake-up whose changes an earlier call
    /// took finds none.
    func takeChanges() -> Changes {
        pending.changes.withLock { changes in
            defer { changes = Changes() }
            return changes
        }
    }
}

private final class WatcherThread: @unchecked Sendable {
    let path: String
    let inotifyFD: Int32
    let stopFD: Int32
    /// The watch descriptor at start; negative while the directory is missing.
    let watchAtStart: Int32
    let pending: DirectoryWatcher.Pending
    let continuation: AsyncStream<ContinuousClock.Instant>.Continuation
    let observe: (@Sendable (Set<String>) -> Void)?
    /// While the directory is missing, how often to look for it again (ms).
    static let retryInterval: Int32 = 100

    init(path: String, inotifyFD: Int32, stopFD: Int32, watch: Int32, pending: DirectoryWatcher.Pending,
         continuation: AsyncStream<ContinuousClock.Instant>.Continuation, observe: (@Sendable (Set<String>) -> Void)?) {
        self.path = path
        self.inotifyFD = inotifyFD
        self.stopFD = stopFD
        self.watchAtStart = watch
        self.pending = pending
        self.continuation = continuation
        self.observe = observe
    }

    func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        var watch = watchAtStart
        while true {
            let ready = poll(&fds, 2, watch >= 0 ? -1 : Self.retryInterval)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || fds[1].revents != 0 { break }
            if fds[0].revents != 0 {
                var collected = DirectoryWatcher.Changes()
                var lost = DirectoryWatcher.Lost.none
                while true {
                    let count = read(inotifyFD, &buffer, buffer.count)
                    guard count > 0 else { break }
                    lost = max(lost, Self.collect(buffer.prefix(count), watch: watch, into: &collected))
                }
                // Moved away, the directory keeps its watch: drop it and watch the path again.
                if lost == .moved { inotify_rm_watch(inotifyFD, watch) }
                if lost != .none { watch = -1 }
                // Recorded before the wake-up, so the reconcile it causes sees them.
                pending.changes.withLock {
                    $0.files.formUnion(collected.files)
                    $0.everything = $0.everything || collected.everything
                }
                pending.reads.add(1, ordering: .releasing)
                if !collected.files.isEmpty { observe?(collected.files) }
                continuation.yield(.now)
            }
            if watch < 0 {
                watch = inotify_add_watch(inotifyFD, path, DirectoryWatcher.mask)
                guard watch >= 0 else { continue }
                pending.changes.withLock { $0.everything = true }
                continuation.yield(.now)
            }
        }
        continuation.finish()
        close(inotifyFD)
        close(stopFD)
    }

    /// Adds what `events` name to `changes`; says whether `watch` no longer watches the path:
    /// gone (IN_IGNORED: the directory was deleted or its mount went away) or moved away.
    private static func collect(_ events: ArraySlice<UInt8>, watch: Int32,
                                into changes: inout DirectoryWatcher.Changes) -> DirectoryWatcher.Lost {
        let headerSize = MemoryLayout<inotify_event>.size
        var lost = DirectoryWatcher.Lost.none
        var offset = events.startIndex
        while offset + headerSize <= events.endIndex {
            let event = events.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset - events.startIndex, as: inotify_event.self) }
            let nameStart = offset + headerSize
            let nameEnd = min(nameStart + Int(event.len), events.endIndex)
            offset = nameStart + Int(event.len)
            // Events of a watch dropped earlier (its IN_IGNORED after a move) change nothing.
            if event.wd == watch {
                if event.mask & UInt32(IN_IGNORED) != 0 { lost = max(lost, .gone) }
                if event.mask & UInt32(IN_MOVE_SELF) != 0 { lost = max(lost, .moved) }
            }
            // The name is NUL-padded; events on the directory itself have none.
            let name = String(decoding: events[nameStart..<nameEnd].prefix { $0 != 0 }, as: UTF8.self)
            if name.isEmpty || event.mask & UInt32(IN_ISDIR) != 0 || name.hasPrefix("..") {
                // The directory itself, a subdirectory, a ConfigMap's `..data` swap.
                changes.everything = true
            } else if PolicyDirectory.isManifestName(name) {
                changes.files.insert(name)
            }
            // Other names (an editor's swap file, a writer's temp file) are never read.
        }
        return lost
    }
}
