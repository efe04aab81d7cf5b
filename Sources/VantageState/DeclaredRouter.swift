import VantageWire

/// A router the user declares as a member of a redundancy group (config file `groups:`), so
/// that a backup which never advertises (keepalived and ucarp backups are silent) is known by
/// its address and MAC: frames to it are recognised as frames to the group's backup.
public struct DeclaredRouter: Sendable, Hashable {
    /// VLAN of the group (0 when untagged).
    public var vlan: UInt16
    /// The group's protocol.
    public var redundancyProtocol: RedundancyProtocol
    /// VRID, VHID or HSRP group.
    public var group: UInt16
    /// The router's own address.
    public var address: IPv4Address
    /// The router's own (real) MAC.
    public var mac: MACAddress

    /// A declared member of group `group` of `redundancyProtocol` in `vlan`.
    public init(vlan: UInt16 = 0, protocol redundancyProtocol: RedundancyProtocol, group: UInt16, address: IPv4Address, mac: MACAddress) {
        self.vlan = vlan
        self.redundancyProtocol = redundancyProtocol
        self.group = group
        self.address = address
        self.mac = mac
    }

    /// Whether it belongs to the group with `key`.
    public func belongs(to key: VirtualIPGroupKey) -> Bool {
        !key.ipv6 && key.vlan == vlan && key.redundancyProtocol == redundancyProtocol && key.group == group
    }
}
