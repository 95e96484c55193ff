import CSluiceBPF
import Model

/// ipcache keys as the ABI lays them out: family, then the address bits.
enum IPCacheKeys {
    static func key(for cidr: CIDR) -> sluice_ipcache_key {
        var key = zeroedABI(sluice_ipcache_key.self)
        let masked = cidr.masked
        key.prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE) + UInt32(masked.prefixLength)
        key.family = UInt8(masked.family == .v4 ? SLUICE_FAMILY_IPV4.rawValue : SLUICE_FAMILY_IPV6.rawValue)
        withUnsafeMutableBytes(of: &key.addr) { raw in
            for (index, byte) in masked.address.bytes.enumerated() { raw[index] = byte }
        }
        return key
    }
}
