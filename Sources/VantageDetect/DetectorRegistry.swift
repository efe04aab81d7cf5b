/// The detectors every analysis runs, and the explanations of their finding kinds.
public enum DetectorRegistry {
    /// Fresh instances of the standard detectors.
    public static func standard(_ configuration: AnalysisConfiguration) -> [any Detector] {
        detectorTypes.map { $0.init(configuration: configuration) }
    }

    /// Every finding kind Vantage can report, sorted by kind.
    public static var descriptions: [KindDescription] {
        (detectorTypes.flatMap { $0.descriptions } + ClockOffsetReport.descriptions).sorted { $0.kind < $1.kind }
    }

    /// The detector types, in the order they run.
    static var detectorTypes: [any ConfigurableDetector.Type] {
        [
            // Neighbor model (state: NeighborTable).
            NeighborMovedDetector.self,
            StaleAfterMoveDetector.self,
            DuplicateAddressDetector.self,
            FlipFlopDetector.self,
            TableSaturationDetector.self,
            // Address resolution (own small state per detector).
            UnansweredResolutionDetector.self,
            ARPMACMismatchDetector.self,
            ARPStormDetector.self,
            // vip.* (virtual-IP analysis: VRRP, CARP, HSRP)
            VIPFailoverDetector.self,
            VIPSplitBrainDetector.self,
            VIPAdvertGapDetector.self,
            VIPConfigMismatchDetector.self,
            VIPARPAnsweredByBackupDetector.self,
            VIPFailoverWithoutGARPDetector.self,
            VIPTrafficToBackupDetector.self,
            // end vip.*
            // nlb.* (Windows NLB: state NLBClusters)
            NLBClusterDetector.self,
            NLBMemberConflictDetector.self,
            NLBUnicastFloodingDetector.self,
            // end nlb.*
            // health_check.* (HTTP health checks: own bounded request/response table)
            HealthCheckDetector.self,
            // end health_check.*
            // heartbeat.* (cluster heartbeat streams: own stream table in the detector)
            HeartbeatDetector.self,
            // end heartbeat.*
        ]
    }
}

/// A detector built from the run's configuration.
public protocol ConfigurableDetector: Detector {
    /// A detector with its tunables read from `configuration`.
    init(configuration: AnalysisConfiguration)
}
