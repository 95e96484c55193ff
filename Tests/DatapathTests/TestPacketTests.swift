import Testing

/// The packet builder itself: lengths, checksums and offsets the program
/// tests rely on.
struct TestPacketTests {
    typealias N = TestNetwork

    @Test func ipv4LengthsAndChecksumAgree() {
        var packet = N.outbound(.udp(sport: 1000, dport: 53))
        packet.payload = [1, 2, 3]
        packet.ipv4Options = [1, 1]
        let bytes = packet.bytes
        let ip = Array(bytes[14..<packet.transportOffset])
        #expect(ip.count == 24)
        #expect(ip[0] == 0x46)
        #expect(Int(ip[2]) << 8 | Int(ip[3]) == bytes.count - 14)
        #expect(TestPacket.internetChecksum(ip) == 0, "a header including its checksum sums to zero")
        let udpLength = Int(bytes[packet.transportOffset + 4]) << 8 | Int(bytes[packet.transportOffset + 5])
        #expect(udpLength == 8 + 3)
    }

    @Test func ipv6ExtensionsChainToTheTransport() {
        var packet = N.outbound(to: N.peer6, .tcp(sport: 1000, dport: 80))
        packet.ipv6Extensions = [.hopByHop, .authentication]
        let bytes = packet.bytes
        #expect(bytes[12] == 0x86 && bytes[13] == 0xdd)
        #expect(bytes[14 + 6] == 0, "first next header: hop-by-hop")
        #expect(bytes[14 + 40] == 51, "hop-by-hop points at AH")
        #expect(bytes[14 + 48] == 6, "AH points at TCP")
        #expect(packet.transportOffset == 14 + 40 + 8 + 24)
        #expect(Int(bytes[18]) << 8 | Int(bytes[19]) == bytes.count - 14 - 40)
        #expect(Array(bytes[packet.transportOffset..<packet.transportOffset + 4]) == be16(1000) + be16(80))
    }

    @Test func replySwapsAddressesAndPorts() {
        let packet = N.outbound(.tcp(sport: 1000, dport: 80))
        let reply = packet.reply()
        #expect(reply.source == packet.destination && reply.destination == packet.source)
        #expect(reply.conntrackPorts == (80, 1000))
    }

    @Test func echoReplyKeepsTheIdentifier() {
        let request = N.outbound(to: N.peer6, .echo(id: 99))
        let reply = request.reply().bytes
        let offset = request.transportOffset
        #expect(reply[offset] == 129)
        #expect(Array(reply[offset + 4..<offset + 6]) == be16(99))
    }

    @Test func addressLiteralsRoundTrip() {
        #expect(IPAddress("fd00:1::5").description == "fd00:1::5")
        #expect(IPAddress("10.0.1.5").bytes == [10, 0, 1, 5])
        #expect(IPAddress("10.0.1.5").abiBytes.count == 16)
    }
}
