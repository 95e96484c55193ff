import Glibc

/// A thread of its own in a brand-new network namespace that holds nothing
/// but a loopback device: a place where a program can sit on a real tc hook
/// and take real frames without touching the host's interfaces. The
/// namespace goes away with the thread.
enum PrivateNetworkNamespace {
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }

    /// The loopback device's index in a fresh namespace.
    static let loopbackIfindex: Int32 = 1

    /// Runs `body` there and waits for it; nothing else runs on that thread.
    static func run<Result>(_ body: () throws -> Result) throws -> Result {
        try withoutActuallyEscaping(body) { body in
            let work = ThreadWork<Result> {
                try enterNewNamespace()
                try setLoopbackUp()
                return try body()
            }
            var thread = pthread_t()
            let context = Unmanaged.passRetained(work).toOpaque()
            let created = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                Unmanaged<AnyThreadWork>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
            guard created == 0 else {
                Unmanaged<AnyThreadWork>.fromOpaque(context).release()
                throw Failure(call: "pthread_create", errno: created)
            }
            pthread_join(thread, nil)
            return try work.result()
        }
    }

    /// unshare(CLONE_NEWNET) for the calling thread only. Glibc's Swift module
    /// leaves unshare out (it needs _GNU_SOURCE), so it is looked up by name.
    private static func enterNewNamespace() throws {
        typealias Unshare = @convention(c) (Int32) -> Int32
        let cloneNewNet: Int32 = 0x4000_0000
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else {
            throw Failure(call: "dlsym(unshare)", errno: ENOSYS)
        }
        let unshare = unsafeBitCast(symbol, to: Unshare.self)
        guard unshare(cloneNewNet) == 0 else { throw Failure(call: "unshare(CLONE_NEWNET)", errno: errno) }
    }

    /// A new namespace's lo is down; packet sockets refuse to send on a down device.
    private static func setLoopbackUp() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", errno: errno) }
        defer { close(fd) }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { $0.copyBytes(from: Array("lo".utf8)) }
        guard ioctl(fd, UInt(SIOCGIFFLAGS), &request) == 0 else { throw Failure(call: "SIOCGIFFLAGS lo", errno: errno) }
        request.ifr_ifru.ifru_flags |= Int16(IFF_UP)
        guard ioctl(fd, UInt(SIOCSIFFLAGS), &request) == 0 else { throw Failure(call: "SIOCSIFFLAGS lo", errno: errno) }
    }

    /// Sends `frame` as it is (Ethernet header included) out of `ifindex`
    /// through an AF_PACKET socket, so it passes the device's tc egress hook.
    /// Returns false when the frame was dropped on the way out: a tc drop
    /// comes back from sendto as ENOBUFS (NET_XMIT_DROP).
    @discardableResult
    static func send(_ frame: [UInt8], ifindex: Int32 = loopbackIfindex) throws -> Bool {
        let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket(AF_PACKET)", errno: errno) }
        defer { close(fd) }
        let ethertype = frame.count >= 14 ? UInt16(frame[12]) << 8 | UInt16(frame[13]) : 0
        let address = linkLayerAddress(ifindex: ifindex, ethertype: ethertype)
        let sent = frame.withUnsafeBytes { bytes in
            address.withUnsafeBytes { raw in
                sendto(fd, bytes.baseAddress, bytes.count, 0,
                       raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
        }
        if sent < 0 && errno == ENOBUFS { return false }
        guard sent == frame.count else { throw Failure(call: "sendto(AF_PACKET, \(frame.count) bytes)", errno: errno) }
        return true
    }

    /// struct sockaddr_ll (netpacket/packet.h, absent from Glibc's Swift module), 20 bytes.
    private static func linkLayerAddress(ifindex: Int32, ethertype: UInt16) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt16(AF_PACKET)) { bytes += $0 }      // sll_family, host order
        bytes += be16(ethertype)                                    // sll_protocol, network order
        withUnsafeBytes(of: ifindex) { bytes += $0 }                // sll_ifindex, host order
        bytes += [0, 0, 0, 6]                                       // sll_hatype, sll_pkttype, sll_halen
        bytes += [0x02, 0, 0, 0, 0, 0x01, 0, 0]                     // sll_addr
        return bytes
    }
}

private class AnyThreadWork: @unchecked Sendable {
    func run() {}
}

/// The closure and its result, handed to the thread and read back after join.
private final class ThreadWork<Value>: AnyThreadWork, @unchecked Sendable {
    private let body: () throws -> Value
    private var outcome: Result<Value, any Error>?

    init(_ body: @escaping () throws -> Value) {
        self.body = body
    }

    override func run() {
        outcome = Result { try body() }
    }

    func result() throws -> Value {
        guard let outcome else { throw PrivateNetworkNamespace.Failure(call: "thread ended without a result", errno: EINTR) }
        return try outcome.get()
    }
}
