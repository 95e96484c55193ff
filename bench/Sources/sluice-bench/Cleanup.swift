import Dispatch
import Foundation
import Glibc
import Synchronization

/// Teardowns of everything the run has set up and not yet removed. A signal (Ctrl-C,
/// SIGTERM) or the watchdog runs them before exiting, so an interrupted or stuck
/// `make bench` leaves no namespace, agent, pin or cgroup behind.
final class Cleanup: Sendable {
    static let shared = Cleanup()

    private let actions = Mutex<(next: Int, pending: [Int: @Sendable () -> Void])>((0, [:]))

    /// Registers `action`; pass the result to `done` once it ran the normal way.
    func register(_ action: @escaping @Sendable () -> Void) -> Int {
        actions.withLock { state in
            state.next += 1
            state.pending[state.next] = action
            return state.next
        }
    }

    func done(_ id: Int) {
        _ = actions.withLock { $0.pending.removeValue(forKey: id) }
    }

    /// Runs every pending teardown, newest first (what was set up last depends on what came before).
    func runAll() {
        let pending = actions.withLock { state in
            defer { state.pending = [:] }
            return state.pending.sorted { $0.key > $1.key }.map(\.value)
        }
        pending.forEach { $0() }
    }

    func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                FileHandle.standardError.write(Data("sluice-bench: signal \(signalNumber); cleaning up\n".utf8))
                runAll()
                exit(128 + signalNumber)
            }
            source.resume()
            Self.retained.append(source)
        }
    }

    /// Aborts the run (cleaning up) when it outlives `limit`: every wait is bounded
    /// already, this is the backstop that keeps `make bench` from ever hanging.
    func startWatchdog(after limit: Duration) {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .seconds(Int(limit.components.seconds)))
        timer.setEventHandler { [self] in
            FileHandle.standardError.write(Data("sluice-bench: still running after \(limit); aborting and cleaning up\n".utf8))
            runAll()
            exit(124)
        }
        timer.resume()
        Self.retained.append(timer)
    }

    /// Dispatch sources live as long as the process; only `run()` adds them, once, before any work starts.
    nonisolated(unsafe) private static var retained: [any DispatchSourceProtocol] = []
}
