import BPF
import CSluiceBPF
import Foundation
import Glibc
import Logging
import Synchronization

/// Reads the datapath's event ring buffer on a thread of its own (a poll
/// blocks), names each event from the latest status snapshot and hands
/// batches to the history. Polls with a timeout so `stop()` takes effect
/// within `pollTimeoutMilliseconds`.
final class FlowEventReader: Sendable {
    static let pollTimeoutMilliseconds: Int32 = 100

    private let ring: BPFRingBuffer
    let eventState: BPFPerCPUMap<UInt32, sluice_event_state>
    private let status: AgentStatus
    let history: FlowHistory
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let done = Atomic<Bool>(false)

    /// Opens the ring buffer and the event state pinned in `pinDirectory` by the loaded datapath.
    init(pinDirectory: String, status: AgentStatus, history: FlowHistory, logger: Logger) throws(BPFError) {
        ring = try BPFRingBuffer(pinnedAt: pinDirectory + "/" + SLUICE_MAP_EVENTS)
        eventState = try BPFPerCPUMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_EVENT_STATE)
        self.status = status
        self.history = history
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            run()
            done.store(true, ordering: .releasing)
            finished.withLock { $0?.resume(); $0 = nil }
        }
        thread.name = "sluice-flow-events"
        thread.start()
    }

    /// Asks the thread to stop and waits until it has.
    func stop() async {
        stopping.store(true, ordering: .releasing)
        await withCheckedContinuation { continuation in
            let resumeNow = finished.withLock { slot -> Bool in
                if done.load(ordering: .acquiring) { return true }
                slot = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Totals over CPUs of what the datapath could not send: (ring buffer full, over the rate).
    func datapathLosses() -> (ringbuf: UInt64, ratelimit: UInt64) {
        guard let perCPU = try? eventState.lookup(0) else { return (0, 0) }
        return perCPU.reduce(into: (UInt64(0), UInt64(0))) { sum, cpu in
            sum.0 &+= cpu.lost_ringbuf
            sum.1 &+= cpu.lost_ratelimit
        }
    }

    private func run() {
        var names = FlowNames()
        var namedSync: Date?
        var failures = 0
        while !stopping.load(ordering: .acquiring) {
            let records: [sluice_event]
            do {
                records = try ring.poll(as: sluice_event.self, timeoutMilliseconds: Self.pollTimeoutMilliseconds)
                failures = 0
            } catch {
                failures += 1
                if failures == 1 { logger.error("flow events: \(error)", metadata: ["map": "\(SLUICE_MAP_EVENTS)"]) }
                Thread.sleep(forTimeInterval: Double(Self.pollTimeoutMilliseconds) / 1000)
                continue
            }
            guard !records.isEmpty else { continue }
            let snapshot = status.snapshot
            if snapshot.lastSync != namedSync {
                names = FlowNames(snapshot: snapshot)
                namedSync = snapshot.lastSync
            }
            let offset = Self.wallClockOffset()
            history.append(records.map { FlowEvent($0, names: names, wallClockOffset: offset) })
        }
    }

    /// Seconds since 1970 at CLOCK_MONOTONIC zero: what turns bpf_ktime_get_ns() into wall time.
    private static func wallClockOffset() -> TimeInterval {
        var monotonic = timespec()
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        return Date().timeIntervalSince1970 - (Double(monotonic.tv_sec) + Double(monotonic.tv_nsec) / 1e9)
    }
}
