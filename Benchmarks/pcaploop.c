/*
 * pcaploop.c: the libpcap floor. pcap_open_offline() + pcap_next_ex() over every record,
 * counting frames and captured bytes and folding one byte of every frame (offset 12) into a
 * checksum like readloop.c.
 *
 * Usage: pcaploop FILE    Prints: frames=N bytes=B check=X
 * Build: cc -O2 -o pcaploop pcaploop.c -lpcap
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (!p) { fprintf(stderr, "%s\n", errbuf); return 2; }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frames = 0, bytes = 0;
    unsigned check = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        if (h->caplen > 12) check += data[12];
        frames++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) { fprintf(stderr, "%s\n", pcap_geterr(p)); return 2; }
    printf("frames=%" PRIu64 " bytes=%" PRIu64 " check=%u\n", frames, bytes, check);
    pcap_close(p);
    return 0;
}
