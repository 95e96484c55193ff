/// The micro-benchmarks' numbers: ns per packet by path and N.
struct MicroRow: Codable, Sendable {
    var id: String
    var title: String
    var method: String
    /// ns per packet by N.
    var nanoseconds: [String: Double]
}

struct MicroUnavailable: Codable, Sendable {
    var title: String
    var reason: String
}

struct MicroResult: Codable, Sendable {
    var rows: [MicroRow]
    var failures: [String]
    var unavailable: [MicroUnavailable]
}
