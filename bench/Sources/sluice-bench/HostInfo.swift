import Foundation
import Glibc
import TestSupport

/// The machine and the build a report was measured on: absolute numbers only compare
/// within one of these, ratios travel a little further.
struct HostInfo: Codable, Sendable {
    var date: String
    var host: String
    var kernel: String
    var cpuModel: String
    var cores: Int
    var memoryGiB: Double
    var commit: String
    var toolVersions: [String: String]
    var loadAverageAtStart: String
    var loadAverageAtEnd: String?
    var elapsedSeconds: Double?
    var plan: BenchPlan

    static func collect(plan: BenchPlan) -> HostInfo {
        var names = utsname()
        uname(&names)
        let kernel = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return HostInfo(
            date: formatter.string(from: Date()),
            host: hostName(),
            kernel: kernel,
            cpuModel: cpuModel(),
            cores: sysconf(Int32(_SC_NPROCESSORS_ONLN)),
            memoryGiB: Double(sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))) / Double(1 << 30),
            commit: commit(),
            toolVersions: [
                "iptables": firstLine(["iptables", "--version"]),
                "nft": firstLine(["nft", "--version"]),
            ],
            loadAverageAtStart: loadAverage(),
            plan: plan)
    }

    mutating func finish(elapsedSeconds: Double) {
        self.elapsedSeconds = elapsedSeconds
        loadAverageAtEnd = Self.loadAverage()
    }

    var summary: String {
        "\(host), \(cores) cores (\(cpuModel)), Linux \(kernel), commit \(commit), load \(loadAverageAtStart)"
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func cpuModel() -> String {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? "unknown CPU"
    }

    /// The 1, 5 and 15 minute load averages: other builds on a shared machine show here.
    private static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// HEAD of the package, with "+dirty" when tracked files differ from it.
    private static func commit() -> String {
        let root = TestPaths.packageRoot
        let head = firstLine(["git", "-C", root, "rev-parse", "--short=12", "HEAD"])
        guard !head.isEmpty else { return "unknown" }
        let changes = (try? TestSupport.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"]))?.stdout ?? ""
        return changes.isEmpty ? head : head + "+dirty"
    }

    private static func firstLine(_ argv: [String]) -> String {
        guard let result = try? TestSupport.run(argv), result.succeeded else { return "" }
        return String(result.stdout.split(separator: "\n").first ?? "")
    }
}
