import Foundation

/// Everything one run measured: written as JSON for tools and Markdown for people.
struct BenchReport: Codable, Sendable {
    var host: HostInfo
    var micro: MicroResult?
    var scales: [ScaleResult] = []
    /// Issue #3's control-plane target at cluster scale, when it ran.
    var clusterScale: ClusterScaleResult?

    init(host: HostInfo) {
        self.host = host
    }

    /// Every row that errored, named by scale and subject; unavailable rows are not failures.
    var failures: [String] {
        var failures = micro?.failures ?? []
        for scale in scales {
            for result in scale.baselines + scale.subjects where result.status == .failed {
                failures.append("N=\(scale.scale) \(result.id): \(result.note ?? "")")
            }
        }
        if let clusterScale, clusterScale.status == .failed {
            failures.append("cluster-scale control plane: \(clusterScale.note ?? "")")
        }
        return failures
    }

    /// Writes `<date>-<host>.md` and `.json` into `directory`; returns their paths.
    func write(to directory: String) throws -> (markdown: String, json: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let safeHost = String(host.host.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        let base = "\(directory)/\(host.date.prefix(10))-\(safeHost)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: base + ".json"))
        try Data(MarkdownReport(self).document.utf8).write(to: URL(fileURLWithPath: base + ".md"))
        return (base + ".md", base + ".json")
    }
}
