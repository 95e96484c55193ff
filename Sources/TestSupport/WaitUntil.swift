/// Polls `condition` every `interval` until it holds or `timeout` passes; true when it held.
/// For effects that land asynchronously, e.g. an agent applying an edited policy.
public func waitUntil(
    timeout: Duration, interval: Duration = .milliseconds(100), _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = monotonicMilliseconds() + timeout.milliseconds
    while true {
        if try condition() { return true }
        if monotonicMilliseconds() >= deadline { return false }
        sleep(milliseconds: max(1, interval.milliseconds))
    }
}
