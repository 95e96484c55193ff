import CSluiceBPF
import Glibc
import Testing

/// A pod sends from its own addresses only: with the source check on (the agent sets it
/// with the addresses), a packet from any other address is dropped before policy, so no
/// pod can borrow another's identity at a receiver's ingress policy.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct SourceAddressTests {
    typealias N = TestNetwork

    static let verify = SLUICE_EP_VERIFY_SOURCE.rawValue

    /// The endpoint, unenforced in both directions, owning pod4 and pod6 when `owning`.
    static func load(_ datapath: LoadedDatapath, flags: UInt32 = verify, owning: Bool = true) throws {
        try datapath.apply(N.setup(flags: flags))
        guard owning else { return }
        for address in [N.pod4, N.pod6] {
            var key = sluice_endpoint_address_key()
            key.ifindex = LoadedDatapath.testRunIfindex
            key.family = address.family
            withUnsafeMutableBytes(of: &key.addr) { $0.copyBytes(from: address.abiBytes) }
            try datapath.endpointAddresses.update(key, 1)
        }
    }

    static let udp = TestPacket.Transport.udp(sport: N.ephemeralPort, dport: 53)

    @Test(arguments: [TestNetwork.peer4, TestNetwork.peer6])
    func aPacketFromAnotherAddressIsDroppedAndItsOwnPass(remote: IPAddress) throws {
        try LoadedDatapath.withLoaded { datapath in
            try Self.load(datapath)
            let own = N.outbound(to: remote, Self.udp)
            #expect(try datapath.run(.fromPod, own).counted.map(\.reason) == [SLUICE_REASON_NOT_ENFORCED.rawValue])
            let spoofed = TestPacket(from: remote.isIPv4 ? N.stranger4 : N.stranger6, to: remote, Self.udp)
            let outcome = try datapath.run(.fromPod, spoofed)
            #expect(outcome.retval == TCAction.shot)
            #expect(outcome.counted.map(\.reason) == [SLUICE_REASON_DROP_SPOOFED.rawValue])
            // The check is the pod's own sending: what it receives is policy's business.
            let inbound = TestPacket(from: remote, to: remote.isIPv4 ? N.stranger4 : N.stranger6, Self.udp)
            #expect(try datapath.run(.toPod, inbound).retval == TCAction.ok)
        }
    }

    @Test func unspecifiedAndLinkLocalSourcesPassForAddressConfiguration() throws {
        try LoadedDatapath.withLoaded { datapath in
            try Self.load(datapath, owning: false)
            for source in [IPAddress("::"), IPAddress("fe80::1234"), IPAddress("0.0.0.0")] {
                let packet = TestPacket(from: source, to: source.isIPv4 ? N.peer4 : N.peer6, Self.udp)
                #expect(try datapath.run(.fromPod, packet).retval == TCAction.ok, "\(source)")
            }
        }
    }

    @Test func withoutTheFlagNoSourceIsChecked() throws {
        try LoadedDatapath.withLoaded { datapath in
            try Self.load(datapath, flags: 0, owning: false)
            let packet = TestPacket(from: N.stranger4, to: N.peer4, Self.udp)
            #expect(try datapath.run(.fromPod, packet).retval == TCAction.ok)
        }
    }
}
