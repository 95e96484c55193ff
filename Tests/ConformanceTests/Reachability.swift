import TestSupport

/// A measured matrix next to the expected one, and the report that makes a
/// difference readable: a from × to table per port and family that differs,
/// then every differing cell with what the probe saw.
struct Reachability {
    let pods: [PodID]
    let families: [AddressFamily]
    let expected: [MatrixCell: Bool]
    let observed: [MatrixCell: MatrixResult]

    /// True when the cell's server answered, false when nothing came back (a drop),
    /// nil for anything else (refused, an error, a TCP handshake without answer,
    /// the wrong server): never what a scenario expects.
    static func verdict(_ result: MatrixResult?, for cell: MatrixCell) -> Bool? {
        switch result?.outcome {
        case .ok(let answer): answer == "\(cell.to.topologyName) hello" ? true : nil
        case .timeout: false
        default: nil
        }
    }

    func report(differing: [MatrixCell], expectation: Expectation, summary: String) -> String {
        var lines = ["\(differing.count) of \(expected.count) cells differ from the expectation \(summary)"]
        lines += ["expectation:"] + expectation.description.split(separator: "\n").map { "  \($0)" }
        lines.append("rows: from, columns: to; '.' reached, 'X' dropped, '?' neither; '!' differs from the expectation")
        let differingTables = Set(differing.map { "\($0.port) \($0.family.rawValue)" })
        for family in families {
            for port in ProbePort.ordered where differingTables.contains("\(port) \(family.rawValue)") {
                lines += table(port: port, family: family)
            }
        }
        lines.append("differing cells:")
        let shown = 40
        for cell in differing.prefix(shown) {
            let wanted = expected[cell] == true ? "reached" : "dropped"
            lines.append("  \(cell): expected \(wanted), got \(observed[cell].map(describe) ?? "no result")")
        }
        if differing.count > shown { lines.append("  … and \(differing.count - shown) more") }
        return lines.joined(separator: "\n")
    }

    private func table(port: ProbePort, family: AddressFamily) -> [String] {
        let width = pods.map(\.description.count).max() ?? 3
        let pad = { (text: String) in text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = ["\(port) \(family.rawValue):", "  " + pad("") + "  " + pods.map { pad($0.description) }.joined(separator: " ")]
        for from in pods {
            let row = pods.map { to -> String in
                let cell = MatrixCell(from: from, to: to, port: port, family: family)
                let verdict = Self.verdict(observed[cell], for: cell)
                let mark = verdict == true ? "." : verdict == false ? "X" : "?"
                return pad(mark + (verdict == expected[cell] ? "" : "!"))
            }
            lines.append("  " + pad(from.description) + "  " + row.joined(separator: " "))
        }
        return lines
    }

    private func describe(_ result: MatrixResult) -> String {
        "\(result.outcome) after \(result.milliseconds) ms"
    }
}
