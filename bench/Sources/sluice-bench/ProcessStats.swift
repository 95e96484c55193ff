import Foundation
import Glibc

/// CPU and memory of a running process, from /proc.
enum ProcessStats {
    /// CPU time of the whole process `pid` in ns, exited threads included: its
    /// clock_getcpuclockid(3) clock, the scheduler's runtime rather than tick samples.
    /// Without IRQ time accounting, as here, that includes softirq work done while it ran.
    static func cpuNanoseconds(_ pid: pid_t) -> UInt64? {
        var clock = clockid_t()
        var used = timespec()
        guard clock_getcpuclockid(pid, &clock) == 0, clock_gettime(clock, &used) == 0 else { return nil }
        return UInt64(used.tv_sec) * 1_000_000_000 + UInt64(used.tv_nsec)
    }

    /// Waits until `pid` uses under 2% of a CPU over a tenth of a second (an agent done
    /// with its reconciles), at most `timeoutSeconds`; false when it never settled.
    @discardableResult
    static func waitUntilIdle(_ pid: pid_t, timeoutSeconds: Int) -> Bool {
        let window = 0.1
        let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds) * 1_000_000_000
        guard var last = cpuNanoseconds(pid) else { return false }
        while monotonicNanoseconds() < deadline {
            pause(seconds: window)
            guard let now = cpuNanoseconds(pid) else { return false }
            if Double(difference(from: last, to: now)) < window * 0.02 * 1e9 { return true }
            last = now
        }
        return false
    }

    /// A `Vm*` field of /proc/PID/status in KiB (VmRSS now, VmHWM the peak).
    static func memoryKiB(_ pid: pid_t, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// User plus system CPU of the children this process has waited for, in ns:
    /// the difference around one command is that command's CPU.
    static func waitedChildrenCPUNanoseconds() -> UInt64 {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        let micros = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000
            + Int(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
        return UInt64(micros) * 1000
    }
}
