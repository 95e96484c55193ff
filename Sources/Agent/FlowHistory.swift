import Foundation
import Synchronization

/// The last `capacity` flow events and the live subscribers to new ones.
/// The reader thread appends; HTTP handlers read and subscribe.
final class FlowHistory: Sendable {
    /// A live stream: gets every batch after it subscribed, filtered by itself.
    typealias Deliver = @Sendable ([FlowEvent]) -> Void

    private struct State {
        var ring: [FlowEvent] = []
        /// Where the next event goes once the ring is full.
        var next = 0
        var subscribers: [UInt64: Deliver] = [:]
        var nextID: UInt64 = 1
    }

    let capacity: Int
    let maximumSubscribers: Int
    private let state = Mutex(State())
    private let appended = Atomic<UInt64>(0)
    private let lostToSubscribers = Atomic<UInt64>(0)

    init(capacity: Int = 10_000, maximumSubscribers: Int = 8) {
        self.capacity = max(capacity, 1)
        self.maximumSubscribers = maximumSubscribers
    }

    /// Events read from the datapath so far.
    var eventsRead: UInt64 { appended.load(ordering: .relaxed) }
    /// Events live streams lost because their client read too slowly.
    var eventsLostToSubscribers: UInt64 { lostToSubscribers.load(ordering: .relaxed) }

    func append(_ events: [FlowEvent]) {
        guard !events.isEmpty else { return }
        let subscribers = state.withLock { state in
            for event in events {
                if state.ring.count < capacity {
                    state.ring.append(event)
                } else {
                    state.ring[state.next] = event
                    state.next = (state.next + 1) % capacity
                }
            }
            return Array(state.subscribers.values)
        }
        appended.add(UInt64(events.count), ordering: .relaxed)
        for deliver in subscribers { deliver(events) }
    }

    /// The history matching `query`, oldest first: `since` and the filters, then the `last` N.
    func recent(matching query: FlowQuery) -> [FlowEvent] {
        state.withLock { state in Self.select(Self.ordered(state), query) }
    }

    /// Live streams open now.
    var subscriberCount: Int {
        state.withLock { $0.subscribers.count }
    }

    var hasRoomForSubscriber: Bool {
        state.withLock { $0.subscribers.count < maximumSubscribers }
    }

    /// Subscribes and returns the backlog `query` asks for, atomically, so no event
    /// falls between the two; nil when `maximumSubscribers` streams are open.
    func subscribe(_ query: FlowQuery, deliver: @escaping Deliver) -> (id: UInt64, backlog: [FlowEvent])? {
        state.withLock { state in
            guard state.subscribers.count < maximumSubscribers else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = deliver
            let wantsBacklog = query.since != nil || query.last != nil
            return (id, wantsBacklog ? Self.select(Self.ordered(state), query) : [])
        }
    }

    func unsubscribe(_ id: UInt64) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    func countLostToSubscriber(_ count: Int) {
        lostToSubscribers.add(UInt64(count), ordering: .relaxed)
    }

    private static func ordered(_ state: State) -> [FlowEvent] {
        Array(state.ring[state.next...] + state.ring[..<state.next])
    }

    private static func select(_ events: [FlowEvent], _ query: FlowQuery) -> [FlowEvent] {
        var selected = events.filter(query.matches)
        if let since = query.since {
            selected = selected.filter { ($0.date ?? .distantPast) >= since }
        }
        if let last = query.last, selected.count > last { selected = Array(selected.suffix(last)) }
        return selected
    }
}
