#!/usr/bin/env bash
# Builds the libFuzzer targets into Fuzz/bin (see Fuzz/README.md). Run from anywhere.
set -euo pipefail
shopt -s globstar
cd "$(dirname "$0")/.."
mkdir -p Fuzz/bin
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -use-ld=lld)

# 1. VantageWire as its own module (static library + .swiftmodule), as SwiftPM would build it.
swiftc "${FLAGS[@]}" -module-name VantageWire -emit-module -emit-module-path Fuzz/bin/VantageWire.swiftmodule \
    -emit-library -static -o Fuzz/bin/libVantageWire.a Sources/VantageWire/**/*.swift

# 2. Each target: VantageCapture's sources + the harness in one module that imports VantageWire
#    (and the CPrefetch C header that VantageCapture uses).
for target in pcap:PcapReaderFuzz pcapng:PcapNGReaderFuzz; do
    name=${target%%:*}
    file=${target##*:}
    swiftc "${FLAGS[@]}" -module-name VantageFuzz -I Fuzz/bin -I Sources/CPrefetch/include \
        Sources/VantageCapture/*.swift Fuzz/FuzzRead.swift "Fuzz/$file.swift" Fuzz/bin/libVantageWire.a \
        -o "Fuzz/bin/$name-fuzz"
done
# 3. The packet decoder target: its harness alone, importing VantageWire (see Fuzz/DECODER.md).
swiftc "${FLAGS[@]}" -module-name VantageDecoderFuzz -I Fuzz/bin \
    Fuzz/PacketDecoderFuzz.swift Fuzz/bin/libVantageWire.a -o Fuzz/bin/decoder-fuzz
echo "built Fuzz/bin/pcap-fuzz Fuzz/bin/pcapng-fuzz Fuzz/bin/decoder-fuzz"
