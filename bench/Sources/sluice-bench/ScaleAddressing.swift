/// The addresses and ports of the N objects at a scale. Only the probed object (index
/// N - 1, loaded last) points at real pods; the others point at addresses nothing uses,
/// inside the node namespace only, so they cost what rules cost and carry no traffic.
enum ScaleAddressing {
    /// The pods' addresses (TestSupport topology), as kube-proxy's clusterCIDR.
    static let podCIDR = "10.200.0.0/16"
    /// The port every server listens on, the one the probed object allows or targets.
    static let servedPort: UInt16 = 8080
    /// Served too, but allowed by no policy: shows enforcement is on.
    static let otherServedPort: UInt16 = 8081
    /// Nobody listens here: a probed object switched to it blocks (refused or dropped).
    static let unservedPort: UInt16 = 8090
    /// The services' port on their cluster IPs.
    static let servicePort: UInt16 = 80

    static func probedIndex(scale: Int) -> Int { scale - 1 }

    /// Service `index`'s cluster IP, in 10.96.0.0/16 like a default service CIDR.
    static func clusterIP(_ index: Int) -> String {
        "10.96.\(index >> 8 & 0xff).\(index & 0xff)"
    }

    /// Backend `backend` (0..<3) of a service that is not probed. From 10.202.0.0: the
    /// external client's namespace (TestSupport's ExternalNetwork) has 10.201.0.0/24.
    static func unusedBackend(service index: Int, backend: Int) -> String {
        let flat = index * 3 + backend
        return "10.\(202 + flat >> 16).\(flat >> 8 & 0xff).\(flat & 0xff)"
    }

    /// Node ports there are (Kubernetes' default range, which Sluice validates).
    static let nodePortRange: ClosedRange<Int> = 30000...32767

    /// Service `index`'s node port at `scale`: the last services, as many as the range
    /// holds, are of type NodePort (the probed one on the range's last used port); nil for
    /// the others, which are ClusterIP only.
    static func nodePort(_ index: Int, scale: Int) -> UInt16? {
        let count = min(scale, nodePortRange.count)
        let position = index - (scale - count)
        return position >= 0 ? UInt16(nodePortRange.lowerBound + position) : nil
    }

    /// The peer a non-probed policy rule allows: one address each.
    static func unusedPeer(_ index: Int) -> String {
        "10.210.\(index >> 8 & 0xff).\(index & 0xff)"
    }

    /// The port a non-probed policy rule allows, spread over a range as real policies are.
    static func unusedPeerPort(_ index: Int) -> UInt16 {
        UInt16(1024 + index % 30000)
    }

    /// The probed object's port in its open or blocking version.
    static func probedPort(open: Bool) -> UInt16 {
        open ? servedPort : unservedPort
    }
}
