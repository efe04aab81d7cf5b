import VantageCapture
import VantageState

/// The shared state engines and run settings every detector reads.
public final class AnalysisState {
    /// Tunables and allow-lists.
    public let configuration: AnalysisConfiguration
    /// Vantage point names by index.
    public let vantageNames: [String]
    /// Who owned which address when, and which MAC each host sends to.
    public let neighbors: NeighborTable
    /// VRRP / CARP / HSRP groups: who should own each virtual IP, and when.
    public let virtualIPs: VirtualIPGroups
    /// Windows NLB clusters: cluster IPs, modes and members (heartbeats and ARP).
    public let nlbClusters: NLBClusters
    /// Where recent frames were seen (frame journeys); only with two or more vantage points.
    public let sightings: FrameSightings?
    /// Time of the latest observation.
    public internal(set) var now: Timestamp = .zero

    /// State for a run over `vantageNames`.
    public init(configuration: AnalysisConfiguration, vantageNames: [String]) {
        self.configuration = configuration
        self.vantageNames = vantageNames
        self.neighbors = NeighborTable(
            limits: TableSaturationDetector.limits(configuration), dataPlane: NeighborMovedDetector.dataPlaneRules(configuration))
        self.virtualIPs = VirtualIPGroups(declared: configuration.declaredRouters)
        self.nlbClusters = NLBClusters()
        self.sightings = vantageNames.count >= 2 ? FrameSightings() : nil
    }

    /// Whether observations should carry a ``FrameIdentity`` (two or more vantage points).
    public var tracksJourneys: Bool { sightings != nil }

    /// The name of vantage point `index`.
    public func vantageName(_ index: Int) -> String {
        vantageNames.indices.contains(index) ? vantageNames[index] : "vantage\(index)"
    }
}
