@testable import Agent
import CSluiceBPF
import Model
import Planner
import Testing

/// The Swift lookup must pick the entry the kernel's LPM trie picks.
struct LongestPrefixMatchTests {
    private func key(_ cidr: String) throws -> sluice_ipcache_key {
        let parsed = try #require(CIDR(cidr))
        var key = sluice_ipcache_key(lookingUp: parsed.address)
        key.prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE) + UInt32(parsed.prefixLength)
        return key
    }

    private func lookup(_ address: String, in entries: [sluice_ipcache_key: UInt32]) throws -> UInt32? {
        let ip = try #require(IPAddress(address))
        return LongestPrefixMatch.lookup(sluice_ipcache_key(lookingUp: ip), in: entries)?.value
    }

    @Test func theLongestPrefixContainingTheAddressWins() throws {
        let entries: [sluice_ipcache_key: UInt32] = [
            try key("0.0.0.0/0"): 1, try key("10.0.0.0/8"): 2, try key("10.1.0.0/16"): 3,
            try key("10.1.2.3/32"): 4, try key("10.1.2.0/25"): 5, try key("::/0"): 6,
        ]
        #expect(try lookup("10.1.2.3", in: entries) == 4)
        #expect(try lookup("10.1.2.4", in: entries) == 5)
        #expect(try lookup("10.1.2.200", in: entries) == 3)
        #expect(try lookup("10.9.9.9", in: entries) == 2)
        #expect(try lookup("11.0.0.1", in: entries) == 1)
        // The family byte comes before the address: IPv6 never matches an IPv4 prefix.
        #expect(try lookup("fd00::1", in: entries) == 6)
    }

    @Test func nothingMatchesWithoutACoveringPrefix() throws {
        let entries: [sluice_ipcache_key: UInt32] = [try key("10.0.0.0/8"): 2]
        #expect(try lookup("192.168.1.1", in: entries) == nil)
        #expect(try lookup("fd00::1", in: entries) == nil)
    }

    @Test func policyKeysMatchPortPrefixesThenProtocolThenEverything() {
        func policyKey(_ prefixlen: Int32, proto: UInt8 = 0, port: UInt16 = 0) -> sluice_policy_key {
            var key = zeroedABI(sluice_policy_key.self)
            key.prefixlen = UInt32(prefixlen)
            key.endpoint_id = 7
            key.identity = 300
            key.direction = UInt8(SLUICE_DIR_INGRESS.rawValue)
            key.protocol = proto
            key.dport = port.bigEndian
            return key
        }
        let entries: [sluice_policy_key: String] = [
            policyKey(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS): "all",
            policyKey(SLUICE_POLICY_PREFIX_ALL_PORTS, proto: 17): "udp",
            policyKey(SLUICE_POLICY_PREFIX_ALL_PORTS + 14, proto: 6, port: 80): "tcp 80-83",
            policyKey(SLUICE_POLICY_PREFIX_FULL, proto: 6, port: 81): "tcp 81",
        ]
        func find(_ proto: UInt8, _ port: UInt16) -> String? {
            LongestPrefixMatch.lookup(policyKey(SLUICE_POLICY_PREFIX_FULL, proto: proto, port: port), in: entries)?.value
        }
        #expect(find(6, 81) == "tcp 81")
        #expect(find(6, 83) == "tcp 80-83")
        #expect(find(6, 84) == "all")
        #expect(find(17, 9) == "udp")
        #expect(find(132, 9) == "all")
        var otherEndpoint = policyKey(SLUICE_POLICY_PREFIX_FULL, proto: 6, port: 81)
        otherEndpoint.endpoint_id = 8
        #expect(LongestPrefixMatch.lookup(otherEndpoint, in: entries) == nil)
    }
}
