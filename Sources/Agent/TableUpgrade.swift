import BPF
import Glibc
import Logging

/// Moves the Maglev tables an ABI 2 agent left pinned (one backend id per array element,
/// under the map's previous name) into the packed map before the new programs are attached,
/// so that until the first sync rewrites them every service keeps the table it had, instead
/// of refusing connections. The old pin goes once the new programs are attached.
struct TableUpgrade {
    static let previousName = "sluice_mgl_v1"

    let pin: String

    /// Copies the previous map's tables into `tables` when it is pinned in `pinDirectory`;
    /// nil when it is not. A failed copy is logged: the first sync writes every table anyway.
    static func copy(pinDirectory: String, into tables: BPFArrayOfMaps, logger: Logger) -> TableUpgrade? {
        let pin = pinDirectory + "/" + previousName
        guard access(pin, F_OK) == 0 else { return nil }
        do {
            let previous = try BPFArrayOfMaps(outer: try BPFMap(pinnedAt: pin), innerFlags: tables.innerFlags,
                                              innerValueSize: 4)
            let copied = try tables.copyTables(from: previous, name: ServiceSync.innerMapName, perSwap: ServiceSync.tablesPerSwap)
            logger.notice("Maglev tables moved to the packed map",
                          metadata: ["from": "\(previousName)", "to": "\(tables.outer.name)", "tables": "\(copied)"])
        } catch {
            logger.error("Maglev tables not moved; services have no table until the first sync",
                         metadata: ["from": "\(previousName)", "error": "\(error)"])
        }
        return TableUpgrade(pin: pin)
    }

    /// After the new programs are attached: the kernel frees the old map once no program holds it.
    func finish() {
        unlink(pin)
    }
}
