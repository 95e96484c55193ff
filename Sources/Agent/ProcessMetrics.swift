import Foundation
import Glibc
import Prometheus
import Synchronization

/// The standard `process_*` metrics of the agent itself, read from /proc on
/// each scrape: resident memory, CPU seconds, open fds, start time.
final class ProcessMetrics: Sendable {
    private let cpu = CounterMirror<String>()
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    func refresh(_ registry: PrometheusCollectorRegistry) {
        if let pages = Self.fields("/proc/self/statm").dropFirst().first.flatMap(Double.init) {
            registry.makeGauge(descriptor: MetricDescriptors.processResidentMemory)
                .set(pages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        // /proc/self/stat: the command name may hold spaces, so count fields after its ')'.
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is the state (field 3): utime is field 14, stime 15, starttime 22.
            if fields.count > 19, let user = Double(fields[11]), let system = Double(fields[12]),
               let start = Double(fields[19]) {
                // Kept in milliseconds so the mirror's integer totals lose nothing that matters.
                let milliseconds = UInt64((user + system) / ticksPerSecond * 1000)
                cpu.mirror(milliseconds, for: "cpu", into: registry.makeCounter(descriptor: MetricDescriptors.processCPU),
                           scale: 0.001)
                if let boot = Self.bootTime() {
                    registry.makeGauge(descriptor: MetricDescriptors.processStartTime).set(boot + start / ticksPerSecond)
                }
            }
        }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        registry.makeGauge(descriptor: MetricDescriptors.processOpenFDs).set(Double(fds))
    }

    private static func fields(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: " ")
    }

    /// Seconds since the epoch at boot (`btime` in /proc/stat).
    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return stat.split(separator: "\n").first { $0.hasPrefix("btime ") }
            .flatMap { Double($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
    }
}
