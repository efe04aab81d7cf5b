/// VantageLive is the libpcap boundary: BPF filters compiled by libpcap (tcpdump's own syntax),
/// applied to offline records today and to live interfaces later.
public enum VantageLiveModule {}
