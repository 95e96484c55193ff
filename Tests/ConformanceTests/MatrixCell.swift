import TestSupport

/// One probe of the reachability matrix: a connection from one pod to another's
/// address in one family, on one port.
struct MatrixCell: Hashable, Comparable, Sendable, CustomStringConvertible {
    let from: PodID
    let to: PodID
    let port: ProbePort
    let family: AddressFamily

    var description: String { "\(from) → \(to) \(port) \(family.rawValue)" }

    static func < (lhs: MatrixCell, rhs: MatrixCell) -> Bool {
        (lhs.family.rawValue, lhs.port, lhs.from, lhs.to) < (rhs.family.rawValue, rhs.port, rhs.from, rhs.to)
    }

    /// Every cell among `pods` over `families`, self-traffic included.
    static func all(among pods: [PodID], families: [AddressFamily]) -> [MatrixCell] {
        families.flatMap { family in
            ProbePort.ordered.flatMap { port in
                pods.flatMap { from in pods.map { to in MatrixCell(from: from, to: to, port: port, family: family) } }
            }
        }
    }
}
