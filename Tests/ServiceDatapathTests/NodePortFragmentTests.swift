import BPF
import CSluiceBPF
import Glibc
import Testing

/// tc_node.bpf.o on a UDP datagram in two fragments: the first is translated like a whole
/// datagram, the one after it (no UDP header) follows it, both ways, and the datagram they
/// reassemble into carries the translated addresses with a UDP checksum that verifies.
@Suite(.serialized, .enabled(if: getuid() == 0, "loading BPF needs root"))
struct NodePortFragmentTests {
    struct Case: CustomStringConvertible {
        var client: String
        var node: String
        var frontend: String
        var backend: String
        var description: String { frontend }
    }

    static let cases: [Case] = [
        Case(client: "10.77.0.9", node: "10.77.1.1", frontend: "0.0.0.0", backend: "10.77.2.5"),
        Case(client: "fd00:77::9", node: "fd00:77:1::1", frontend: "::", backend: "fd00:77:2::5"),
    ]

    /// tc_node with a UDP node port 30053 onto `c.backend`:53, and a 600-byte datagram to it.
    private func nodePort(_ c: Case) throws -> (LoadedNodePort, NodePortPacket) {
        let lb = try LoadedNodePort()
        do {
            try lb.addService(id: 3, frontend: c.frontend, port: 30053, proto: IPPROTO_UDP, backends: [(7, c.backend, 53)])
            var request = try NodePortPacket(from: c.client, 40001, to: c.node, 30053, proto: IPPROTO_UDP)
            request.payload = (0..<600).map { UInt8($0 & 0xff) }
            return (lb, request)
        } catch {
            lb.teardown()
            throw error
        }
    }

    @Test(arguments: cases)
    func laterFragmentsFollowTheirFirstFragmentsTranslationBothWays(_ c: Case) throws {
        let (lb, request) = try nodePort(c)
        defer { lb.teardown() }

        let fragments: BPFMap<sluice_fragment_key, sluice_fragment_ports> = try lb.object.map(SLUICE_MAP_NODEPORT_FRAGMENTS)
        let pods: BPFMap<sluice_fragment_key, sluice_fragment_ports> = try lb.object.map(SLUICE_MAP_FRAGMENTS)
        let inbound = try Fragmented(request, id: 0x4242).frames.enumerated().map { index, frame in
            let result = try lb.fromNetwork.testRun(frame)
            #expect(result.retval == NodePortTranslationTests.ok)
            if index == 0 {
                // Kept apart from the pods' entries, which a sender outside the node must not push out.
                #expect(try fragments.entries().count == 1 && pods.entries().isEmpty)
            }
            return Array(result.output.prefix(frame.count))
        }
        var expected = request
        expected.destination = try LoadedSocketLB.address(c.backend).1
        expected.destinationPort = 53
        #expect(Fragmented.same(inbound, Fragmented(expected, id: 0x4242).frames), "both fragments go to the backend, checksums fixed")
        #expect(Fragmented.reassembledChecksumVerifies(inbound))

        var reply = try NodePortPacket(from: c.backend, 53, to: c.client, 40001, proto: IPPROTO_UDP)
        reply.payload = request.payload
        let outbound = try Fragmented(reply, id: 0x5151).frames.map { frame in
            Array(try lb.toNetwork.testRun(frame).output.prefix(frame.count))
        }
        var back = reply
        back.source = try LoadedSocketLB.address(c.node).1
        back.sourcePort = 30053
        #expect(Fragmented.same(outbound, Fragmented(back, id: 0x5151).frames), "both fragments of the reply leave from the node port")
        #expect(Fragmented.reassembledChecksumVerifies(outbound))

        // The last fragment took its entry: the same later fragment again is not translated.
        let again = Fragmented(request, id: 0x4242).frames[1]
        #expect(Fragmented.same([Array(try lb.fromNetwork.testRun(again).output.prefix(again.count))], [again]))
    }

    @Test(arguments: cases)
    func aLaterFragmentWhoseFirstWasNotTranslatedHerePassesAsItIs(_ c: Case) throws {
        let (lb, request) = try nodePort(c)
        defer { lb.teardown() }
        let later = Fragmented(request, id: 0x6060).frames[1]
        let result = try lb.fromNetwork.testRun(later)
        #expect(result.retval == NodePortTranslationTests.ok)
        #expect(Fragmented.same([Array(result.output.prefix(later.count))], [later]))
        #expect(try lb.nat.entries().isEmpty, "no pick was made for it")
    }
}

/// A packet's UDP datagram cut in two fragments after its first 8-byte-aligned half, as the
/// sender's IP layer does it: the first carries the UDP header (with the whole datagram's
/// checksum), the second the rest, with the fragment offset in 8-byte units.
struct Fragmented {
    let frames: [[UInt8]]

    init(_ packet: NodePortPacket, id: UInt32) {
        let whole = packet.bytes
        let v4 = packet.isV4
        let l3Length = v4 ? 20 : 40
        let header = Array(whole[0..<14 + l3Length])
        let datagram = Array(whole[(14 + l3Length)...])
        let cut = (datagram.count / 2) & ~7
        frames = [(0, Array(datagram[..<cut]), true), (cut, Array(datagram[cut...]), false)].map { offset, data, more in
            var frame = header
            if v4 {
                let total = UInt16(20 + data.count)
                let flags = UInt16(offset / 8) | (more ? 0x2000 : 0)
                frame[16] = UInt8(total >> 8)
                frame[17] = UInt8(total & 0xff)
                frame[18] = UInt8(id >> 8 & 0xff)
                frame[19] = UInt8(id & 0xff)
                frame[20] = UInt8(flags >> 8)
                frame[21] = UInt8(flags & 0xff)
                frame[24] = 0
                frame[25] = 0
                let check = ~Self.fold(Self.sum(Array(frame[14..<34])))
                frame[24] = UInt8(check >> 8)
                frame[25] = UInt8(check & 0xff)
                return frame + data
            }
            let length = UInt16(8 + data.count)
            frame[18] = UInt8(length >> 8)
            frame[19] = UInt8(length & 0xff)
            frame[20] = UInt8(IPPROTO_FRAGMENT)
            let fragmentOffset = UInt16(offset) | (more ? 1 : 0)
            let fragmentHeader: [UInt8] = [UInt8(IPPROTO_UDP), 0, UInt8(fragmentOffset >> 8), UInt8(fragmentOffset & 0xff),
                                           UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)]
            return frame + fragmentHeader + data
        }
    }

    /// Whether the frames are the expected ones; where not, says where they first differ
    /// (comparing the arrays in an expectation would print thousands of bytes).
    static func same(_ frames: [[UInt8]], _ expected: [[UInt8]]) -> Bool {
        guard frames.count == expected.count else {
            print("\(frames.count) frames, \(expected.count) expected")
            return false
        }
        for (index, (frame, want)) in zip(frames, expected).enumerated() where frame != want {
            let at = zip(frame, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(frame.count, want.count)
            print("fragment \(index) differs first at byte \(at) of \(want.count): "
                  + "\(frame[at..<min(at + 8, frame.count)]) instead of \(want[at..<min(at + 8, want.count)])")
            return false
        }
        return true
    }

    /// The UDP datagram the fragments reassemble into verifies against their addresses.
    static func reassembledChecksumVerifies(_ frames: [[UInt8]]) -> Bool {
        guard let first = frames.first else { return false }
        let v4 = first[12] == 0x08
        let dataStart = v4 ? 34 : 62
        let datagram = frames.flatMap { $0[dataStart...] }
        let (source, destination) = v4 ? (Array(first[26..<30]), Array(first[30..<34]))
            : (Array(first[22..<38]), Array(first[38..<54]))
        let pseudo = sum(source) + sum(destination) + UInt32(IPPROTO_UDP) + UInt32(datagram.count)
        return ~fold(pseudo + sum(datagram)) == 0
    }

    /// Ones' complement sum of 16-bit big-endian words, not yet folded.
    private static func sum(_ bytes: [UInt8]) -> UInt32 {
        var total: UInt32 = 0
        var index = 0
        while index < bytes.count {
            total += UInt32(bytes[index]) << 8 | (index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0)
            index += 2
        }
        return total
    }

    private static func fold(_ value: UInt32) -> UInt16 {
        var total = value
        while total > 0xffff { total = (total & 0xffff) + (total >> 16) }
        return UInt16(total)
    }
}
