import CSluiceBPF
import Model

/// ipcache keys as the ABI lays them out: family, then the address bits.
enum IPCacheKeys {
    static func key(for cidr: CIDR) -> sluice_ipcache_key {
        var key = zeroedABI(sluice_ipcache_key.self)
        // CIDR clears host bits, as an LPM key must have them.
        key.prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE) + UInt32(cidr.prefixLength)
        key.family = cidr.address.family.abi
        key.addr = cidr.address.abi
        return key
    }
}
