import CSluiceBPF
import Model

extension ServicePlanner {
    /// The frontend of a NodePort: the all-zero address of the family, which tc_node reads as
    /// "any address of this node", with the nodePort as port. The first service (by namespace
    /// and name) to claim a nodePort keeps it (ServicePlanner+Claims.swift).
    static func nodePortKey(_ nodePort: UInt16, family: IPAddress.Family, protocol: TransportProtocol) -> sluice_service_key {
        var key = zeroedABI(sluice_service_key.self)
        key.port = nodePort.bigEndian
        key.protocol = `protocol`.ipProtocolNumber
        key.family = family.abi
        return key
    }
}
