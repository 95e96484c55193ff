import CNI
import Foundation
import Model
import Testing

struct AddressAllocatorTests {
    private func allocator(_ ranges: String, in directory: TemporaryDirectory) throws -> AddressAllocator {
        let text = """
            {"cniVersion": "1.1.0", "name": "net", "type": "sluice-cni",
             "ipam": {"ranges": \(ranges), "dataDir": "\(directory.path)"}}
            """
        return AddressAllocator(configuration: try NetworkConfiguration(bytes: Array(text.utf8)).ipam)
    }

    private func owner(_ index: Int) -> CNIAttachment {
        CNIAttachment(containerID: "c\(index)", ifname: "eth0")
    }

    private func addresses(_ texts: String...) -> [IPAddress] {
        texts.compactMap { IPAddress($0) }
    }

    @Test func dualStackGivesOneAddressPerFamilyAndReleaseFreesBoth() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/24"}], [{"subnet": "fd00:9::/120"}]]"#, in: directory)
        let first = try pool.allocate(for: owner(1)).map(\.address)
        #expect(first == addresses("10.9.0.1", "fd00:9::1"))
        #expect(try pool.addresses(of: owner(1)) == first)
        #expect(Set(directory.names(in: "net")).isSuperset(of: ["10.9.0.1", "fd00:9::1", "lock"]))
        #expect(try pool.release(owner(1)) == first)
        #expect(try pool.addresses(of: owner(1)).isEmpty)
        #expect(try pool.release(owner(1)).isEmpty)
    }

    @Test func allocationGoesRoundRobinSoAReleasedAddressIsNotReusedAtOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/29"}]]"#, in: directory)
        #expect(try pool.allocate(for: owner(1)).map(\.address) == addresses("10.9.0.1"))
        try pool.release(owner(1))
        #expect(try pool.allocate(for: owner(1)).map(\.address) == addresses("10.9.0.2"))
        try pool.release(owner(1))
        for index in 2...6 { _ = try pool.allocate(for: owner(index)) }
        // .3 to .6 went to 2...5, then the cursor wrapped past the end (.6) to .1 for owner 6.
        #expect(try pool.addresses(of: owner(6)) == addresses("10.9.0.1"))
        #expect(try pool.allocate(for: owner(7)).map(\.address) == addresses("10.9.0.2"))
    }

    @Test func exhaustedPoolIsAnAddressPoolErrorAndReportedAsSuch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/24", "rangeStart": "10.9.0.10", "rangeEnd": "10.9.0.12", "gateway": "10.9.0.11"}]]"#, in: directory)
        #expect(try pool.allocate(for: owner(1)).map(\.address) == addresses("10.9.0.10"))
        #expect(try pool.allocate(for: owner(2)).map(\.address) == addresses("10.9.0.12"), "the gateway is skipped")
        #expect(try pool.exhaustedRangeSets() == [0])
        #expect(throws: CNIError.self) { try pool.allocate(for: owner(3)) }
        do {
            _ = try pool.allocate(for: owner(3))
        } catch {
            #expect(error.code == .addressPool)
        }
        try pool.release(owner(1))
        #expect(try pool.exhaustedRangeSets().isEmpty)
    }

    /// A file that is no reservation Sluice can read (host-local's older one-line format in a
    /// shared dataDir) still blocks its address, and the search allows for it.
    @Test func unreadableReservationFilesBlockTheirAddressesButNotTheSearch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/29"}]]"#, in: directory)
        #expect(try pool.allocate(for: owner(1)).map(\.address) == addresses("10.9.0.1"))
        for host in 2...4 {
            #expect(FileManager.default.createFile(atPath: directory.path + "/net/10.9.0.\(host)", contents: Data("c9".utf8)))
        }
        #expect(try pool.allocate(for: owner(2)).map(\.address) == addresses("10.9.0.5"))
        #expect(try pool.allocate(for: owner(3)).map(\.address) == addresses("10.9.0.6"))
        #expect(try pool.exhaustedRangeSets() == [0])
    }

    @Test func requestedAddressesAreHonouredOrRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/24"}], [{"subnet": "fd00:9::/64"}]]"#, in: directory)
        let wanted = addresses("10.9.0.77")
        #expect(try pool.allocate(for: owner(1), requested: wanted).map(\.address) == addresses("10.9.0.77", "fd00:9::1"))
        for (requested, reason) in [(addresses("10.9.0.77"), "already reserved by c1/eth0"),
                                    (addresses("10.10.0.1"), "in no configured range"),
                                    (addresses("10.9.0.5", "10.9.0.6"), "fall in one range set")] {
            do {
                _ = try pool.allocate(for: owner(2), requested: requested)
                Issue.record("\(requested) should be refused")
            } catch {
                #expect(error.code == .addressPool)
                #expect(error.message.contains(reason), "\(error)")
            }
        }
        #expect(try pool.addresses(of: owner(2)).isEmpty, "a refused allocation leaves nothing reserved")
    }

    @Test func anAttachmentHoldingAddressesCannotAllocateAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/24"}]]"#, in: directory)
        _ = try pool.allocate(for: owner(1))
        #expect(throws: CNIError.self) { try pool.allocate(for: owner(1)) }
        #expect(try pool.addresses(of: owner(1)).count == 1)
    }

    @Test func releaseAllExceptKeepsOnlyTheValidAttachments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/24"}]]"#, in: directory)
        for index in 1...4 { _ = try pool.allocate(for: owner(index)) }
        let released = try pool.releaseAll(except: [owner(2), owner(9)])
        #expect(released.map(\.owner) == [owner(1), owner(3), owner(4)])
        #expect(try pool.store.reservations().map(\.owner) == [owner(2)])
    }

    @Test func parallelAllocatorsInOneProcessNeverShareAnAddress() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/24"}], [{"subnet": "fd00:9::/64"}]]"#, in: directory)
        // Each thread opens the lock file itself, so flock() separates them as it separates processes.
        let results = await withTaskGroup(of: [IPAddress].self) { group in
            for index in 0..<40 {
                group.addTask { (try? pool.allocate(for: owner(index)).map(\.address)) ?? [] }
            }
            var all: [[IPAddress]] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.allSatisfy { $0.count == 2 })
        #expect(Set(results.flatMap { $0 }).count == 80)
    }

    @Test func aWriterThatDiedLeavesNoHalfRecordAndItsTemporaryFileIsSwept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try allocator(#"[[{"subnet": "10.9.0.0/24"}]]"#, in: directory)
        _ = try pool.allocate(for: owner(1))
        let stray = directory.path + "/net/.tmp-99999-abc"
        #expect(FileManager.default.createFile(atPath: stray, contents: Data("c2\neth0\n".utf8)))
        _ = try pool.allocate(for: owner(2))
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(try pool.store.reservations().map(\.owner) == [owner(1), owner(2)])
    }
}
