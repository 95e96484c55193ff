import Glibc

/// An Ethernet frame carrying IPv4 or IPv6 and TCP or UDP, built with correct checksums, and
/// read back from the bytes a program returns, so a test sees exactly what the program wrote.
struct NodePortPacket: Equatable {
    var source: [UInt8]
    var destination: [UInt8]
    var sourcePort: UInt16
    var destinationPort: UInt16
    var proto: UInt8
    var payload: [UInt8] = Array("hello, nodeport".utf8)
    /// A UDP over IPv4 checksum of zero means "not computed"; such packets are built that way.
    var zeroUDPChecksum = false
    /// TCP flags: a SYN unless told otherwise (0x10 is an ACK of an established connection).
    var tcpFlags: UInt8 = 0x02

    var isV4: Bool { source.count == 4 }
    private var l3Length: Int { isV4 ? 20 : 40 }
    private var l4Length: Int { (proto == UInt8(IPPROTO_TCP) ? 20 : 8) + payload.count }

    init(from source: String, _ sourcePort: UInt16, to destination: String, _ destinationPort: UInt16,
         proto: Int) throws {
        self.source = try LoadedSocketLB.address(source).1
        self.destination = try LoadedSocketLB.address(destination).1
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.proto = UInt8(proto)
    }

    var bytes: [UInt8] {
        var frame: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2] + (isV4 ? [0x08, 0x00] : [0x86, 0xdd])
        var l3: [UInt8]
        if isV4 {
            let total = UInt16(20 + l4Length)
            l3 = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0x12, 0x34, 0x40, 0, 64, proto, 0, 0] + source + destination
            let check = Self.fold(Self.sum(l3))
            l3[10] = UInt8(check >> 8)
            l3[11] = UInt8(check & 0xff)
        } else {
            let length = UInt16(l4Length)
            l3 = [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xff), proto, 64] + source + destination
        }
        var l4: [UInt8] = [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xff),
                           UInt8(destinationPort >> 8), UInt8(destinationPort & 0xff)]
        if proto == UInt8(IPPROTO_TCP) {
            l4 += [0, 0, 0, 1, 0, 0, 0, 0, 0x50, tcpFlags, 0xff, 0xff, 0, 0, 0, 0]
        } else {
            l4 += [UInt8(l4Length >> 8), UInt8(l4Length & 0xff), 0, 0]
        }
        l4 += payload
        if !(zeroUDPChecksum && proto == UInt8(IPPROTO_UDP) && isV4) {
            var check = Self.fold(Self.pseudoHeaderSum(source, destination, proto, l4.count) + Self.sum(l4))
            if check == 0 && proto == UInt8(IPPROTO_UDP) { check = 0xffff }
            let offset = Self.checksumOffset(proto)
            l4[offset] = UInt8(check >> 8)
            l4[offset + 1] = UInt8(check & 0xff)
        }
        frame += l3 + l4
        return frame
    }

    /// Reads back addresses and ports of a frame laid out like `bytes`.
    static func parse(_ frame: [UInt8]) -> (source: [UInt8], destination: [UInt8], sourcePort: UInt16, destinationPort: UInt16) {
        let v4 = frame[12] == 0x08
        let (src, dst, l4) = v4 ? (26, 30, 34) : (22, 38, 54)
        let size = v4 ? 4 : 16
        return (Array(frame[src..<src + size]), Array(frame[dst..<dst + size]),
                UInt16(frame[l4]) << 8 | UInt16(frame[l4 + 1]), UInt16(frame[l4 + 2]) << 8 | UInt16(frame[l4 + 3]))
    }

    /// True when the IPv4 header checksum (if any) and the TCP/UDP checksum of `frame` verify.
    static func checksumsVerify(_ frame: [UInt8]) -> Bool {
        let v4 = frame[12] == 0x08
        let l3 = Array(frame[14..<(v4 ? 34 : 54)])
        if v4 && fold(sum(l3)) != 0 { return false }
        let proto = v4 ? l3[9] : l3[6]
        let (source, destination) = v4 ? (Array(l3[12..<16]), Array(l3[16..<20])) : (Array(l3[8..<24]), Array(l3[24..<40]))
        let l4 = Array(frame[(v4 ? 34 : 54)...])
        return fold(pseudoHeaderSum(source, destination, proto, l4.count) + sum(l4)) == 0
    }

    /// The TCP or UDP checksum field of a frame laid out like `bytes`.
    static func transportChecksum(_ frame: [UInt8]) -> UInt16 {
        let v4 = frame[12] == 0x08
        let offset = (v4 ? 34 : 54) + checksumOffset(v4 ? frame[23] : frame[20])
        return UInt16(frame[offset]) << 8 | UInt16(frame[offset + 1])
    }

    private static func checksumOffset(_ proto: UInt8) -> Int { proto == UInt8(IPPROTO_TCP) ? 16 : 6 }

    private static func pseudoHeaderSum(_ source: [UInt8], _ destination: [UInt8], _ proto: UInt8, _ length: Int) -> UInt32 {
        sum(source) + sum(destination) + UInt32(proto) + UInt32(length)
    }

    /// Ones' complement sum of 16-bit big-endian words, not yet folded.
    private static func sum(_ bytes: [UInt8]) -> UInt32 {
        var total: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let high = UInt32(bytes[index]) << 8
            let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            total += high | low
            index += 2
        }
        return total
    }

    /// Folds carries and complements: 0 for a sum that verifies.
    private static func fold(_ value: UInt32) -> UInt16 {
        var total = value
        while total > 0xffff { total = (total & 0xffff) + (total >> 16) }
        return ~UInt16(total)
    }
}
