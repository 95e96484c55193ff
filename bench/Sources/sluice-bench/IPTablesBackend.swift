/// Which kernel machinery iptables rules land in: nf_tables through the compatibility
/// layer (Debian's default `iptables`), or the legacy x_tables.
enum IPTablesBackend: String, Sendable {
    case nft, legacy

    var restoreCommand: String { "iptables-\(rawValue)-restore" }
}
