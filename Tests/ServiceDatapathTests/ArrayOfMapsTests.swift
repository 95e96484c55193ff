import BPF
import CSluiceBPF
import Glibc
import Testing

/// Maglev tables as inner maps: built through a shared mapping, swapped and cleared in batches.
@Suite(.enabled(if: getuid() == 0, "loads BPF: needs root"))
struct ArrayOfMapsTests {
    @Test func tablesAreSwappedInTogetherAndReadBackThroughTheirMapping() throws {
        let lb = try LoadedSocketLB()
        defer { lb.teardown() }
        let tables: [(index: UInt32, values: [UInt32])] = [
            (3, (0..<251).map { UInt32($0 % 3 + 1) }), (4, [UInt32](repeating: 7, count: 16381)), (9, [5, 6, 7]),
        ]
        try lb.tables.replace(tables, name: "test_table")
        for (index, values) in tables {
            #expect(try lb.tables.contents(index) == values)
        }
        let before = try lb.tables.innerMapID(4)
        try lb.tables.replace([(4, [UInt32](repeating: 8, count: 16381))], name: "test_table")
        #expect(try lb.tables.innerMapID(4) != before)
        #expect(try lb.tables.contents(4)?.allSatisfy { $0 == 8 } == true)

        // Slot 5 was never filled: the batch stops there and the rest is cleared one by one.
        try lb.tables.clear([3, 5, 9])
        #expect(try lb.tables.innerMapID(3) == nil && lb.tables.innerMapID(9) == nil)
        #expect(try lb.tables.contents(4)?.count == 16381)
    }

    @Test func innerMapsMustBeMappable() throws {
        let lb = try LoadedSocketLB()
        defer { lb.teardown() }
        #expect(throws: BPFError.self) {
            try BPFArrayOfMaps(outer: lb.tables.outer, innerFlags: UInt32(BPF_F_INNER_MAP), innerValueSize: 8)
        }
    }
}
