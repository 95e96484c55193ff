import CSluiceBPF
import Glibc
import Logging

/// Wakes the reconciler when anything in the policy directory changes.
/// inotify on a thread of its own (poll on the inotify fd and an eventfd, so
/// `stop()` can wake it); the events themselves are not interpreted, since
/// every wake-up re-reads the directory.
final class DirectoryWatcher: Sendable {
    let changes: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let inotifyFD: Int32
    private let stopFD: Int32

    init(path: String) throws(AgentError) {
        (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        inotifyFD = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotifyFD >= 0 else { throw .system(call: "inotify_init1", subject: path, errno: errno) }
        stopFD = sluice_eventfd(0, Int32(EFD_CLOEXEC))
        guard stopFD >= 0 else {
            close(inotifyFD)
            throw .system(call: "eventfd", subject: path, errno: errno)
        }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
            | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        // A missing directory is not an error: the periodic resync finds it later.
        _ = inotify_add_watch(inotifyFD, path, mask)
        let thread = WatcherThread(inotifyFD: inotifyFD, stopFD: stopFD, continuation: continuation)
        var handle = pthread_t()
        let box = Unmanaged.passRetained(thread).toOpaque()
        pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<WatcherThread>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
        pthread_detach(handle)
    }

    /// Re-arms the watch, e.g. after the directory was removed and recreated.
    func rewatch(path: String) {
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
            | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        _ = inotify_add_watch(inotifyFD, path, mask)
    }

    func stop() {
        var one: UInt64 = 1
        _ = write(stopFD, &one, 8)
    }
}

private final class WatcherThread: @unchecked Sendable {
    let inotifyFD: Int32
    let stopFD: Int32
    let continuation: AsyncStream<Void>.Continuation

    init(inotifyFD: Int32, stopFD: Int32, continuation: AsyncStream<Void>.Continuation) {
        self.inotifyFD = inotifyFD
        self.stopFD = stopFD
        self.continuation = continuation
    }

    func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&fds, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || fds[1].revents != 0 { break }
            if fds[0].revents != 0 {
                while read(inotifyFD, &buffer, buffer.count) > 0 {}
                continuation.yield()
            }
        }
        continuation.finish()
        close(inotifyFD)
        close(stopFD)
    }
}
