/// The host end of a pod's veth: `slc` and 12 hex digits of a hash of container ID and
/// interface name. Deterministic, so DEL finds it without the netns or any saved state;
/// 15 bytes, the kernel's limit.
public enum HostInterfaceName {
    public static let prefix = "slc"

    public static func make(for attachment: CNIAttachment) -> String {
        // FNV-1a, 64 bits: stable across processes and releases, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array(attachment.containerID.utf8) + [0] + Array(attachment.ifname.utf8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        return prefix + padded.prefix(12)
    }
}
