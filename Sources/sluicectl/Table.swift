/// Columns aligned with two spaces between them, as kubectl prints lists.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) {
        self.header = header
    }

    mutating func add(_ row: String...) {
        rows.append(row)
    }

    /// Lines ending in a newline; an empty cell prints as `-`, trailing spaces are trimmed.
    func render() -> String {
        let all = [header] + rows.map { $0.map { $0.isEmpty ? "-" : $0 } }
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                line += index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            return line + "\n"
        }.joined()
    }
}
