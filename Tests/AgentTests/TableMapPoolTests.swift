@testable import Agent
import BPF
import Glibc
import Testing
import TestSupport

/// Inner maps made ahead of a bulk sync: handed out for tables of their size only, and the
/// rest closed when the sync is over.
@Suite(.enabled(if: getuid() == 0, "makes BPF maps: needs root"))
struct TableMapPoolTests {
    private func withTables(_ body: (BPFArrayOfMaps) throws -> Void) throws {
        let pins = try BPFPinDirectory.make()
        defer { pins.remove() }
        try body(try UnpackedMaglevTables.pin(in: pins.path, slots: 8))
    }

    @Test func madeMapsGoToTablesOfTheirSizeAndTheRestAreClosed() throws {
        try withTables { tables in
            let pool = TableMapPool(tables: tables, size: 61, reservedDescriptors: 0)
            pool.prepare(3)
            var made: [FileDescriptor] = []
            let deadline = ContinuousClock.now + .seconds(5)
            while made.count < 2 && ContinuousClock.now < deadline {
                #expect(pool.take(count: 59) == nil, "a table of another size makes its own map")
                if let map = pool.take(count: 61) { made.append(map) } else { usleep(1000) }
            }
            try #require(made.count == 2)
            let info = try BPFMapInfo.of(fd: made[0].rawValue, subject: "pooled map")
            #expect(info.maxEntries == 61)
            // A pooled map is written and swapped in like a made one.
            try tables.fill(made[0], count: 61, name: "pooled") { memory, stride in
                for slot in 0..<61 { memory.storeBytes(of: UInt32(slot + 1), toByteOffset: slot * stride, as: UInt32.self) }
            }
            try tables.swap([(2, made[0])])
            #expect(try tables.contents(2) == (1...61).map { UInt32($0) })

            while ContinuousClock.now < deadline && pool.take(count: 61) == nil { usleep(1000) }
            pool.release()
            #expect(pool.take(count: 61) == nil, "released maps are gone")
        }
    }
}
