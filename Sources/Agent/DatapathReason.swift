import CSluiceBPF

/// Readable names of the ABI's reason codes, as exported in metric labels.
/// The numbers are the ABI's; only the spelling lives here.
enum DatapathReason {
    static let labels: [UInt32: String] = [
        UInt32(SLUICE_REASON_NOT_ENFORCED.rawValue): "not_enforced",
        UInt32(SLUICE_REASON_POLICY_ALLOWED.rawValue): "policy_allowed",
        UInt32(SLUICE_REASON_CT_ESTABLISHED.rawValue): "ct_established",
        UInt32(SLUICE_REASON_CT_REPLY.rawValue): "ct_reply",
        UInt32(SLUICE_REASON_CT_RELATED.rawValue): "ct_related",
        UInt32(SLUICE_REASON_NOT_IP.rawValue): "not_ip",
        UInt32(SLUICE_REASON_NO_ENDPOINT.rawValue): "no_endpoint",
        UInt32(SLUICE_REASON_AUDIT.rawValue): "audit",
        UInt32(SLUICE_REASON_ICMPV6_LINK.rawValue): "icmpv6_link_control",
        UInt32(SLUICE_REASON_DROP_POLICY.rawValue): "policy_denied",
        UInt32(SLUICE_REASON_DROP_MALFORMED.rawValue): "malformed",
        UInt32(SLUICE_REASON_DROP_FRAGMENT.rawValue): "fragment",
        UInt32(SLUICE_REASON_DROP_EXT_HEADERS.rawValue): "ipv6_ext_headers",
        UInt32(SLUICE_REASON_DROP_POLICY_DENY.rawValue): "policy_deny_rule",
        UInt32(SLUICE_REASON_DROP_SPOOFED.rawValue): "spoofed_source",
    ]

    static func label(_ reason: UInt32) -> String { labels[reason] ?? "reason_\(reason)" }

    static func isDrop(_ reason: UInt32) -> Bool { reason >= UInt32(SLUICE_REASON_DROP_FIRST.rawValue) }

    /// `sluice_verdict_action` as the `action` label; nil for a number this agent does not know.
    static func verdictAction(_ value: UInt8) -> String? {
        switch UInt32(value) {
        case SLUICE_VERDICT_ALLOWED.rawValue: "allowed"
        case SLUICE_VERDICT_DENIED.rawValue: "denied"
        case SLUICE_VERDICT_AUDIT.rawValue: "audit"
        default: nil
        }
    }

    static func direction(_ value: UInt32) -> String {
        value == UInt32(SLUICE_DIR_INGRESS.rawValue) ? "ingress" : "egress"
    }
}
