import Planner
import Testing

@Suite struct PortPrefixesTests {
    @Test func singlePortIsOneFullBlock() {
        #expect(portPrefixes(80...80).map { [Int($0.port), $0.bits] } == [[80, 16]])
    }

    @Test func alignedRangeIsOneBlock() {
        #expect(portPrefixes(80...83).map { [Int($0.port), $0.bits] } == [[80, 14]])
    }

    @Test func wholePortSpaceIsOneZeroBitBlock() {
        #expect(portPrefixes(0...65535).map { [Int($0.port), $0.bits] } == [[0, 0]])
    }

    @Test func oneToMaxNeedsSixteenBlocks() {
        #expect(portPrefixes(1...65535).count == 16)
    }

    @Test(arguments: [(1000, 2000), (32000, 32768), (1, 1), (65535, 65535), (443, 8443), (5, 65534)])
    func blocksCoverRangeExactlyWithoutOverlap(first: Int, last: Int) {
        var covered: [Int] = []
        for block in portPrefixes(UInt16(first)...UInt16(last)) {
            let size = 1 << (16 - block.bits)
            #expect(Int(block.port) % size == 0, "block \(block) is not aligned")
            covered += Array(Int(block.port)..<Int(block.port) + size)
        }
        #expect(covered == Array(first...last))
    }
}
