import Glibc
import Model

/// One network's address reservations on disk, host-local style: a file per reserved
/// address (named after it, holding container ID and interface name) created
/// exclusively, a `lock` file that serializes allocators across processes, and per range
/// set the last address handed out (`last_reserved_ip.N`) so allocation goes round robin.
public struct AddressStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Runs `body` holding the network's lock. A holder that died released it with its
    /// descriptor; waiting longer than `timeout` is "try again later" (11).
    public func locked<T>(timeout: Duration = .seconds(10), _ body: () throws(CNIError) -> T) throws(CNIError) -> T {
        do {
            try FileSystem.makeDirectories(directory)
        } catch {
            throw CNIError(.ioFailure, "cannot create the IPAM directory", details: error.description)
        }
        let lockPath = directory + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CNIError(.ioFailure, "cannot open the IPAM lock", details: FileSystem.Failure(call: "open", path: lockPath, errno: errno).description)
        }
        defer { close(fd) }
        let deadline = ContinuousClock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw CNIError(.ioFailure, "cannot lock the IPAM directory", details: FileSystem.Failure(call: "flock", path: lockPath, errno: errno).description)
            }
            guard ContinuousClock.now < deadline else {
                throw CNIError(.tryAgainLater, "the IPAM lock \(lockPath) is held by another allocation")
            }
            usleep(2000)
        }
        defer { flock(fd, LOCK_UN) }
        removeAbandonedTemporaries()
        return try body()
    }

    /// Reserves `address` for `owner`; false when someone holds it. Call under the lock.
    func reserve(_ address: IPAddress, for owner: CNIAttachment) throws(CNIError) -> Bool {
        do {
            return try FileSystem.createExclusively(path(of: address), Array("\(owner.containerID)\n\(owner.ifname)\n".utf8))
        } catch {
            throw CNIError(.ioFailure, "cannot record the reservation of \(address)", details: error.description)
        }
    }

    /// Every reservation: address and owner. Files that are not reservations are skipped.
    public func reservations() throws(CNIError) -> [(address: IPAddress, owner: CNIAttachment)] {
        var result: [(IPAddress, CNIAttachment)] = []
        for name in try names() {
            guard let address = IPAddress(name), let owner = try owner(of: address) else { continue }
            result.append((address, owner))
        }
        return result
    }

    /// Every address with a file, whether or not it reads as a reservation (host-local's
    /// older one-line files do not): each blocks its address all the same.
    func occupied() throws(CNIError) -> [IPAddress] {
        try names().compactMap { IPAddress($0) }
    }

    /// Deletes the reservations of `owner`; returns the addresses freed. Call under the lock.
    @discardableResult
    public func release(_ owner: CNIAttachment) throws(CNIError) -> [IPAddress] {
        var released: [IPAddress] = []
        for (address, holder) in try reservations() where holder == owner {
            do {
                try FileSystem.remove(path(of: address))
            } catch {
                throw CNIError(.ioFailure, "cannot release \(address)", details: error.description)
            }
            released.append(address)
        }
        return released
    }

    func isReserved(_ address: IPAddress) -> Bool {
        FileSystem.exists(path(of: address))
    }

    func lastReserved(rangeSet index: Int) -> IPAddress? {
        guard let bytes = try? FileSystem.read(cursorPath(index)) else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.flatMap { IPAddress(String($0)) }
    }

    func setLastReserved(_ address: IPAddress, rangeSet index: Int) throws(CNIError) {
        do {
            try FileSystem.writeAtomically(cursorPath(index), Array(address.description.utf8))
        } catch {
            throw CNIError(.ioFailure, "cannot record the allocation cursor", details: error.description)
        }
    }

    private func owner(of address: IPAddress) throws(CNIError) -> CNIAttachment? {
        let contents: [UInt8]?
        do {
            contents = try FileSystem.read(path(of: address))
        } catch {
            throw CNIError(.ioFailure, "cannot read the reservation of \(address)", details: error.description)
        }
        guard let contents else { return nil }
        let lines = String(decoding: contents, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2 else { return nil }
        return CNIAttachment(containerID: String(lines[0]), ifname: String(lines[1]))
    }

    private func names() throws(CNIError) -> [String] {
        do {
            return try FileSystem.list(directory)
        } catch {
            throw CNIError(.ioFailure, "cannot list the IPAM directory", details: error.description)
        }
    }

    /// Temporary files exist only while their writer holds the lock, so any seen by the
    /// lock's new holder belong to a writer that died.
    private func removeAbandonedTemporaries() {
        for name in (try? FileSystem.list(directory)) ?? [] where name.hasPrefix(FileSystem.temporaryPrefix) {
            _ = try? FileSystem.remove(directory + "/" + name)
        }
    }

    private func path(of address: IPAddress) -> String { directory + "/" + address.description }

    private func cursorPath(_ index: Int) -> String { directory + "/last_reserved_ip.\(index)" }
}
