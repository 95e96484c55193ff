import CSluiceBPF
import Foundation
import Glibc

/// Runs `body` on a thread of its own that first enters the network namespace
/// at `path`. libbpf's tc and netlink calls act on the calling thread's
/// namespace; a fresh thread keeps the switch from leaking into the test
/// runner's pool, and the thread's namespace ends with it.
func onThread<T: Sendable>(inNetworkNamespace path: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
    let outcome = ThreadOutcome<T>()
    let thread = Thread {
        defer { outcome.done.signal() }
        let ret = sluice_enter_netns(path)
        guard ret == 0 else {
            outcome.result = .failure(NamespaceError(path: path, errno: -ret))
            return
        }
        outcome.result = Result { try body() }
    }
    thread.start()
    outcome.done.wait()
    guard let result = outcome.result else { throw NamespaceError(path: path, errno: EINVAL) }
    return try result.get()
}

/// Handed from the namespace thread to the waiting test; the semaphore orders the accesses.
private final class ThreadOutcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
    let done = DispatchSemaphore(value: 0)
}

struct NamespaceError: Error, CustomStringConvertible {
    var path: String
    var errno: Int32
    var description: String { "\(path): \(String(cString: strerror(errno)))" }
}

let isRoot = getuid() == 0
