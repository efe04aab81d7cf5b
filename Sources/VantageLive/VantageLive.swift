import CPcap
import VantageCapture

/// VantageLive wraps libpcap: BPF filter compilation (offline and live) and live sources.
public enum VantageLiveModule {}
