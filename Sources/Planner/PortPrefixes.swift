/// Splits an inclusive port range into the fewest aligned power-of-two
/// blocks, each a (first port, prefix bits) pair an LPM key can hold:
/// 80...83 is one block of 14 bits, 1...65535 is sixteen blocks.
public func portPrefixes(_ range: ClosedRange<UInt16>) -> [(port: UInt16, bits: Int)] {
    var blocks: [(port: UInt16, bits: Int)] = []
    var start = Int(range.lowerBound)
    let end = Int(range.upperBound)
    while start <= end {
        // Largest block aligned at `start` that does not pass `end`.
        var size = start == 0 ? 1 << 16 : start & -start
        while start + size - 1 > end { size >>= 1 }
        blocks.append((UInt16(start), 16 - size.trailingZeroBitCount))
        start += size
    }
    return blocks
}
