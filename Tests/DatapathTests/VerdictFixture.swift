import CSluiceBPF
import Testing

/// One row of a fixture table: maps, a packet, what must come back and
/// which counter must move.
struct VerdictFixture: Sendable, CustomTestStringConvertible {
    var description: String
    var setup: DatapathSetup
    var hook: Hook
    var frame: [UInt8]
    /// TCAction.ok or TCAction.shot.
    var verdict: UInt32
    /// The one (direction of `hook`, reason) slot that must gain one packet of `frame.count` bytes.
    var reason: sluice_reason

    init(_ description: String, _ setup: DatapathSetup, _ hook: Hook, _ packet: TestPacket,
         _ verdict: UInt32, _ reason: sluice_reason) {
        self.init(description, setup, hook, frame: packet.bytes, verdict, reason)
    }

    init(_ description: String, _ setup: DatapathSetup, _ hook: Hook, frame: [UInt8],
         _ verdict: UInt32, _ reason: sluice_reason) {
        self.description = description
        self.setup = setup
        self.hook = hook
        self.frame = frame
        self.verdict = verdict
        self.reason = reason
    }

    var testDescription: String { description }

    var expectedCount: MetricsCount {
        MetricsCount(direction: hook.direction.rawValue, reason: reason.rawValue, packets: 1, bytes: UInt64(frame.count))
    }

    static var all: [VerdictFixture] { policy + identity + endpoint + parsing + ipv6 + audit }
}
