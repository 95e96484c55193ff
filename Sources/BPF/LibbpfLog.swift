import CSluiceBPF

/// libbpf's messages, captured so errors can carry the verifier's words
/// instead of printing them to stderr.
enum LibbpfLog {
    private static let installed: Void = { sluice_libbpf_capture_logs() }()

    static func begin() {
        _ = installed
        sluice_libbpf_clear_log()
    }

    static func text() -> String {
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        let count = buffer.withUnsafeMutableBufferPointer { sluice_libbpf_copy_log($0.baseAddress, $0.count) }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
