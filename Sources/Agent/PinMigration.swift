import BPF
import CSluiceBPF
import Glibc
import Logging

/// Replaces pinned maps whose shape no longer matches what the agent would
/// create (a resized conntrack map, a changed flag) without a gap: the old
/// pin is moved aside (pinned again under `_old`) before the objects load (so libbpf creates a fresh
/// map instead of refusing to reuse it), its entries are copied into the new
/// map before the new programs are attached, copied again once they are (to
/// catch what the old programs wrote meanwhile), and then the old pin goes.
struct PinMigration {
    /// bpffs refuses names with a dot.
    static let suffix = "_old"

    let pinDirectory: String
    /// Map names whose previous pin sits at `name_old`.
    let moved: [String]

    /// Moves aside every pin that does not fit the object's maps with `capacities`.
    /// A `_old` pin left by an interrupted migration is taken up again.
    static func prepare(objectPath: String, pinDirectory: String, capacities: [String: UInt32],
                        logger: Logger) throws(BPFError) -> PinMigration {
        var moved: [String] = []
        for spec in try BPFObjectSpec.maps(path: objectPath, capacities: capacities) {
            let pin = pinDirectory + "/" + spec.name
            let old = pin + suffix
            if access(old, F_OK) == 0 {
                moved.append(spec.name)
                continue
            }
            let fd = bpf_obj_get(pin)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            let pinned = try BPFMapInfo.of(fd: fd, subject: pin)
            let fits = pinned.type == spec.type && pinned.keySize == spec.keySize && pinned.valueSize == spec.valueSize
                && pinned.maxEntries == spec.maxEntries && pinned.flags == spec.flags
            if fits { continue }
            // bpffs refuses rename(2): pin the map a second time, then drop the first pin.
            let pinned2 = bpf_obj_pin(fd, old)
            guard pinned2 == 0 else { throw .errno(errno, call: "bpf_obj_pin", subject: old) }
            guard unlink(pin) == 0 else { throw .errno(errno, call: "unlink", subject: pin) }
            logger.notice("pinned map has another shape; migrating", metadata: [
                "map": "\(spec.name)", "pinnedEntries": "\(pinned.maxEntries)", "newEntries": "\(spec.maxEntries)"])
            moved.append(spec.name)
        }
        return PinMigration(pinDirectory: pinDirectory, moved: moved)
    }

    /// Maps whose values gained fields at their end, zero meaning "not set
    /// until the next sync": an old pin's entries are copied zero-extended, so
    /// the new programs find every endpoint (and its id) before the first sync.
    /// sluice_ep_v1 grew from 8 to 16 bytes (the policies drops are counted against).
    static let grownValues: Set<String> = [SLUICE_MAP_ENDPOINTS]

    /// Copies the old maps' entries into the new ones; a map whose key or value
    /// layout changed otherwise starts empty (its name should have changed with it).
    func copyEntries(logger: Logger) {
        for name in moved {
            let pin = pinDirectory + "/" + name
            do {
                let copied = try PinnedMapCopy.copy(from: pin + Self.suffix, to: pin,
                                                    growingValues: Self.grownValues.contains(name))
                logger.info("migrated map entries", metadata: ["map": "\(name)", "entries": "\(copied)"])
            } catch {
                logger.error("map entries not migrated", metadata: ["map": "\(name)", "error": "\(error)"])
            }
        }
    }

    /// After the new programs are attached: the last copy, then the old pins go
    /// (the kernel frees each old map once no program holds it).
    func finish(logger: Logger) {
        copyEntries(logger: logger)
        for name in moved { unlink(pinDirectory + "/" + name + Self.suffix) }
    }
}
