import CSluiceBPF
import Glibc
import Logging

/// Wakes the reconciler when anything in the policy directory changes, with
/// the time of the first event of the burst (time to enforce starts there).
/// inotify on a thread of its own (poll on the inotify fd and an eventfd, so
/// `stop()` can wake it). The events are not interpreted, since every
/// wake-up re-reads the directory, except that a directory removed or
/// replaced is watched again as soon as it exists.
final class DirectoryWatcher: Sendable {
    let changes: AsyncStream<ContinuousClock.Instant>
    private let stopFD: Int32

    /// Writes count when the writer closes the file (no IN_MODIFY), so a file
    /// rewritten in place is read whole, not half-written.
    static let mask = UInt32(IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
        | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

    init(path: String) throws(AgentError) {
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
        let thread = WatcherThread(path: path, inotifyFD: inotifyFD, stopFD: stopFD, continuation: continuation)
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
}

private final class WatcherThread: @unchecked Sendable {
    let path: String
    let inotifyFD: Int32
    let stopFD: Int32
    let continuation: AsyncStream<ContinuousClock.Instant>.Continuation
    /// While the directory is missing, how often to look for it again (ms).
    static let retryInterval: Int32 = 100

    init(path: String, inotifyFD: Int32, stopFD: Int32, continuation: AsyncStream<ContinuousClock.Instant>.Continuation) {
        self.path = path
        self.inotifyFD = inotifyFD
        self.stopFD = stopFD
        self.continuation = continuation
    }

    func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        var watching = inotify_add_watch(inotifyFD, path, DirectoryWatcher.mask) >= 0
        while true {
            let ready = poll(&fds, 2, watching ? -1 : Self.retryInterval)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || fds[1].revents != 0 { break }
            if fds[0].revents != 0 {
                var lostWatch = false
                while true {
                    let count = read(inotifyFD, &buffer, buffer.count)
                    guard count > 0 else { break }
                    lostWatch = lostWatch || Self.containsIgnored(buffer.prefix(count))
                }
                if lostWatch { watching = false }
                continuation.yield(.now)
            }
            if !watching && inotify_add_watch(inotifyFD, path, DirectoryWatcher.mask) >= 0 {
                watching = true
                continuation.yield(.now)
            }
        }
        continuation.finish()
        close(inotifyFD)
        close(stopFD)
    }

    /// IN_IGNORED: the watch is gone (directory deleted or its mount went away).
    private static func containsIgnored(_ events: ArraySlice<UInt8>) -> Bool {
        let headerSize = MemoryLayout<inotify_event>.size
        var offset = events.startIndex
        while offset + headerSize <= events.endIndex {
            let event = events.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset - events.startIndex, as: inotify_event.self) }
            if event.mask & UInt32(IN_IGNORED) != 0 { return true }
            offset += headerSize + Int(event.len)
        }
        return false
    }
}
