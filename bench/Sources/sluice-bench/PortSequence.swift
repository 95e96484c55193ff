/// The next source port for a watcher in the client pod: each watcher continues where
/// the previous one stopped, so no probe reuses a 4-tuple (and a stale conntrack entry).
final class PortSequence {
    static let first = 1024
    private(set) var next = PortSequence.first

    /// Takes the watcher's own count of where it stopped.
    func advance(to port: Int) {
        next = (PortSequence.first...65535).contains(port) ? port : PortSequence.first
    }
}
