@testable import Agent
import BPF
import Testing

/// A plan is refused before its first write when a map could not hold it at the moment of
/// the switch, when the new entries are in and the old ones not yet out.
struct MapRoomTests {
    /// Keys 2 and 3 go in before key 4 leaves: four entries at the peak, three after.
    private let diff = MapDiff(desired: [1: 1, 2: 2, 3: 3], current: [1: 1, 4: 4])

    @Test func thePeakCountsNewKeysBeforeTheDeletes() throws {
        #expect(diff.room.overflow(current: 2, capacity: 4) == nil)
        let over = try #require(diff.room.overflow(current: 2, capacity: 3))
        #expect(over.peak == 4 && over.after == 3)
    }

    @Test func aServiceMapTooSmallForThePlanIsRefusedNamingIt() throws {
        try ServiceSync.checkRoom(diff.room, current: 2, capacity: 4, map: "sluice_sbe_v1")
        let error = #expect(throws: BPFError.self) {
            try ServiceSync.checkRoom(diff.room, current: 2, capacity: 3, map: "sluice_sbe_v1")
        }
        #expect(error?.kind == .mapFull)
        #expect(error?.call == ServiceSync.capacityCheck)
        #expect(error?.description.contains(
            "sluice_sbe_v1 would need 4 entries (3 once the change is complete) but holds 3; the previous state stays enforced") == true)
    }
}
