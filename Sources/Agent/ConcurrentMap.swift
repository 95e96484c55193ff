import Dispatch
import Foundation
import Synchronization

extension Array where Element: Sendable {
    /// `map` on every core, results in the order of the elements. Below `serialBelow`
    /// elements it maps on the calling thread: threads cost more than they save.
    func concurrentMap<T: Sendable>(serialBelow: Int = 16, _ transform: @Sendable (Element) -> T) -> [T] {
        guard count >= serialBelow else { return map(transform) }
        let results = Mutex([T?](repeating: nil, count: count))
        // A few chunks per core, so one slow chunk does not leave a core idle.
        let chunks = Swift.min(count, 4 * Swift.max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
            let mapped = range.map { transform(self[$0]) }
            results.withLock { $0.replaceSubrange(range, with: mapped) }
        }
        // concurrentPerform returns once every chunk ran, so no element is left nil.
        return results.withLock { $0.compactMap { $0 } }
    }
}
