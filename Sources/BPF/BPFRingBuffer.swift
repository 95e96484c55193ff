import CSluiceBPF
import Glibc
import Synchronization

/// The reading end of a `BPF_MAP_TYPE_RINGBUF` map. Records are copied out
/// during `poll`, so nothing points into the ring once it returns.
/// `ring_buffer__new`, `ring_buffer__poll`, `ring_buffer__free`.
public final class BPFRingBuffer: Sendable {
    public let info: BPFMapInfo
    private let fd: FileDescriptor
    /// libbpf's reader is not thread-safe; the lock serializes polls and guards what they collect.
    private let reader: Mutex<Reader>

    /// Records of one poll; the C callback reaches it through libbpf's context pointer.
    private final class Collector {
        var records: [[UInt8]] = []
    }

    private struct Reader: ~Copyable {
        let ring: OpaquePointer
        let collector: Collector
    }

    /// Opens a pinned ring buffer map. `bpf_obj_get`.
    public convenience init(pinnedAt path: String) throws(BPFError) {
        let fd = bpf_obj_get(path)
        guard fd >= 0 else { throw .libbpf(fd, call: "bpf_obj_get", subject: path) }
        try self.init(fd: FileDescriptor(owning: fd), subject: path)
    }

    init(fd: FileDescriptor, subject: String) throws(BPFError) {
        let info = try BPFMapInfo.of(fd: fd.rawValue, subject: subject)
        guard info.type == BPF_MAP_TYPE_RINGBUF.rawValue else {
            throw BPFError(kind: .layoutMismatch, call: "BPFRingBuffer.init",
                           subject: "\(info.name): map type \(info.type) is not a ring buffer", errno: EINVAL)
        }
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let sample: ring_buffer_sample_fn = { context, data, size in
            guard let context, let data else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
            collector.records.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            return 0
        }
        guard let ring = ring_buffer__new(fd.rawValue, sample, context, nil) else {
            throw .libbpf(-1, call: "ring_buffer__new", subject: info.name)
        }
        self.info = info
        self.fd = fd
        self.reader = Mutex(Reader(ring: ring, collector: collector))
    }

    deinit {
        reader.withLock { ring_buffer__free($0.ring) }
    }

    /// Waits up to `timeoutMilliseconds` for records and returns all that are
    /// ready (at most the ring's capacity); empty on timeout or a signal.
    public func poll(timeoutMilliseconds: Int32) throws(BPFError) -> [[UInt8]] {
        let result: Result<[[UInt8]], BPFError> = reader.withLock { reader in
            reader.collector.records.removeAll(keepingCapacity: true)
            let ret = ring_buffer__poll(reader.ring, timeoutMilliseconds)
            let records = reader.collector.records
            reader.collector.records = []
            if ret < 0 && ret != -EINTR {
                return .failure(.libbpf(ret, call: "ring_buffer__poll", subject: info.name))
            }
            return .success(records)
        }
        return try result.get()
    }

    /// `poll` with each record read as `Record`; shorter records are skipped.
    public func poll<Record: BitwiseCopyable>(as type: Record.Type,
                                              timeoutMilliseconds: Int32) throws(BPFError) -> [Record] {
        try poll(timeoutMilliseconds: timeoutMilliseconds).compactMap { bytes in
            guard bytes.count >= MemoryLayout<Record>.size else { return nil }
            return bytes.withUnsafeBytes { $0.loadUnaligned(as: Record.self) }
        }
    }
}
