import CSluiceBPF
import Foundation
import Model
import Planner

extension FlowEvent {
    /// Names a datapath record. `wallClockOffset` turns its CLOCK_MONOTONIC
    /// timestamp into seconds since 1970.
    init(_ record: sluice_event, names: FlowNames, wallClockOffset: TimeInterval) {
        let family = record.family
        let reason = UInt32(record.reason)
        let kind: String
        let verdict: String
        switch UInt32(record.type) {
        case SLUICE_EVENT_TRANSLATION.rawValue:
            (kind, verdict) = ("translation", "translated")
        case SLUICE_EVENT_DROP.rawValue:
            (kind, verdict) = ("drop", "dropped")
        default:
            kind = "verdict"
            verdict = reason == UInt32(SLUICE_REASON_AUDIT.rawValue) ? "audit" : "allowed"
        }
        let hasPorts = Self.hasPorts(record.protocol)
        var source = Peer(ip: Self.address(record.saddr, family: family),
                          port: hasPorts ? UInt16(bigEndian: record.sport) : nil)
        var destination = Peer(ip: Self.address(record.daddr, family: family),
                               port: hasPorts ? UInt16(bigEndian: record.dport) : nil)
        Self.name(&source, bytes: record.saddr, family: family, names: names)
        Self.name(&destination, bytes: record.daddr, family: family, names: names)
        let egress = record.direction == UInt8(SLUICE_DIR_EGRESS.rawValue)
        if record.identity != 0 && kind != "translation" {
            if egress { destination.identity = record.identity } else { source.identity = record.identity }
        }
        let seconds = wallClockOffset + Double(record.timestamp_ns) / 1e9
        self.init(time: Self.formatTime(Date(timeIntervalSince1970: seconds)), type: kind, verdict: verdict,
                  reason: kind == "translation" ? "service" : DatapathReason.label(reason),
                  direction: DatapathReason.direction(UInt32(record.direction)),
                  protocol: Self.protocolName(record.protocol, family: family),
                  source: source, destination: destination)
        if record.endpoint_id != 0 { endpoint = record.endpoint_id }
        if record.policy_id != 0 { policy = names.policies[record.policy_id] ?? "policy id \(record.policy_id)" }
        if reason == UInt32(SLUICE_REASON_DROP_POLICY.rawValue) || reason == UInt32(SLUICE_REASON_AUDIT.rawValue)
            || reason == UInt32(SLUICE_REASON_DROP_POLICY_DENY.rawValue) {
            deniedBy = names.isolating[FlowNames.Key(endpointID: record.endpoint_id, direction: record.direction)]
        }
        if record.protocol == 6 && kind != "translation" { tcpFlags = Self.tcpFlags(record.tcp_flags) }
        if kind == "translation" {
            service = names.services[record.service_id] ?? "service id \(record.service_id)"
            var chosen = Peer(ip: Self.address(record.nat_addr, family: family), port: UInt16(bigEndian: record.nat_port))
            Self.name(&chosen, bytes: record.nat_addr, family: family, names: names)
            backend = chosen
        }
    }

    /// The local pod behind `peer` or, failing that, any pod with its address.
    private static func name(_ peer: inout Peer, bytes: ABIAddress,
                             family: UInt8, names: FlowNames) {
        guard let ref = names.pods[addressBytes(bytes, family: family)] else { return }
        peer.namespace = ref.namespace
        peer.pod = ref.name
    }

    private static func addressBytes(_ raw: ABIAddress,
                                     family: UInt8) -> [UInt8] {
        let all = withUnsafeBytes(of: raw) { Array($0) }
        return family == UInt8(SLUICE_FAMILY_IPV4.rawValue) ? Array(all.prefix(4)) : all
    }

    static func address(_ raw: ABIAddress, family: UInt8) -> String {
        IPAddress(abi: raw, family: family)?.description ?? ""
    }

    static func hasPorts(_ ipProtocol: UInt8) -> Bool {
        [6, 17, 132, 136].contains(ipProtocol)
    }

    static func protocolName(_ ipProtocol: UInt8, family: UInt8) -> String {
        switch ipProtocol {
        case 6: "TCP"
        case 17: "UDP"
        case 132: "SCTP"
        case 136: "UDPLite"
        case 1: "ICMP"
        case 58: "ICMPv6"
        default: String(ipProtocol)
        }
    }

    static func tcpFlags(_ flags: UInt8) -> String {
        let names: [(UInt8, String)] = [(0x02, "SYN"), (0x10, "ACK"), (0x01, "FIN"), (0x04, "RST"), (0x08, "PSH")]
        return names.filter { flags & $0.0 != 0 }.map(\.1).joined(separator: ",")
    }
}
