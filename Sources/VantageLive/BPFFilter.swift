import CPcap
import VantageWire

/// A tcpdump filter expression compiled by libpcap and applied to captured records offline.
///
/// One BPF program is compiled per link type on first use, so a merge of Ethernet and Linux
/// cooked captures is filtered with the same expression, each with the right program.
public final class BPFFilter {
    /// The expression as the user wrote it.
    public let expression: String
    private let snapLength: Int32
    private var programs: [LinkType: Program] = [:]

    /// Why an expression could not be used.
    public struct CompileError: Error, CustomStringConvertible {
        public let expression: String
        public let linkType: LinkType
        public let message: String
        public var description: String {
            "filter \"\(expression)\" cannot be compiled for \(linkType): \(message)"
        }
    }

    /// Compiles `expression` once for Ethernet to reject syntax errors early.
    public init(expression: String, snapLength: Int = 262_144) throws(CompileError) {
        self.expression = expression
        self.snapLength = Int32(clamping: snapLength)
        _ = try program(for: .ethernet)
    }

    deinit {
        for program in programs.values { program.release() }
    }

    /// Whether a record of `linkType` with these bytes passes the filter.
    public func matches(
        _ bytes: Span<UInt8>, originalLength: Int, linkType: LinkType
    ) throws(CompileError) -> Bool {
        let program = try program(for: linkType)
        return program.matches(bytes, originalLength: originalLength)
    }

    private func program(for linkType: LinkType) throws(CompileError) -> Program {
        if let program = programs[linkType] { return program }
        let program = try Program.compile(expression, linkType: linkType, snapLength: snapLength)
        programs[linkType] = program
        return program
    }

    /// One compiled program and the dead pcap handle it was compiled against.
    private struct Program {
        var handle: OpaquePointer
        var code: UnsafeMutablePointer<bpf_program>

        static func compile(
            _ expression: String, linkType: LinkType, snapLength: Int32
        ) throws(CompileError) -> Program {
            guard let handle = pcap_open_dead(Int32(dataLinkType(for: linkType)), snapLength) else {
                throw CompileError(
                    expression: expression, linkType: linkType, message: "libpcap refused the link type")
            }
            let code = UnsafeMutablePointer<bpf_program>.allocate(capacity: 1)
            code.initialize(to: bpf_program())
            let status = pcap_compile(handle, code, expression, 1, PCAP_NETMASK_UNKNOWN)
            if status != 0 {
                let message = String(cString: pcap_geterr(handle))
                code.deallocate()
                pcap_close(handle)
                throw CompileError(expression: expression, linkType: linkType, message: message)
            }
            return Program(handle: handle, code: code)
        }

        func matches(_ bytes: Span<UInt8>, originalLength: Int) -> Bool {
            var header = pcap_pkthdr()
            header.caplen = UInt32(clamping: bytes.count)
            header.len = UInt32(clamping: max(originalLength, bytes.count))
            return bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return false }
                return pcap_offline_filter(code, &header, base) != 0
            }
        }

        func release() {
            pcap_freecode(code)
            code.deallocate()
            pcap_close(handle)
        }

        /// libpcap compiles for DLT_ values, which differ from the LINKTYPE_ values in files for
        /// raw IP (LINKTYPE_RAW 101 is DLT_RAW 12 on Linux).
        static func dataLinkType(for linkType: LinkType) -> UInt32 {
            switch linkType {
            case .raw, .rawDLT14: 12
            default: linkType.rawValue
            }
        }
    }
}
