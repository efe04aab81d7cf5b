/*
 * readloop.c: the read() floor. Reads a classic pcap in 1 MiB read()s into one reused
 * buffer and walks the 16-byte record headers, counting frames and captured bytes; a record
 * that straddles two chunks is moved to the front of the buffer before the next read().
 * It also folds one byte of every frame (offset 12, the EtherType's first octet) into a
 * checksum so that the frames are really looked at.
 *
 * Usage: readloop FILE    Prints: frames=N bytes=B check=X
 * Build: cc -O2 -o readloop readloop.c
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1u << 20)
#define MAX_RECORD (16u + 262144u)

static uint32_t rd32(const unsigned char *p, int swap) {
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    /* Room for one chunk plus the tail of a straddling record. */
    unsigned char *buf = malloc(CHUNK + MAX_RECORD);
    if (!buf) return 2;
    size_t have = 0, pos = 0;
    int swap = -1, eof = 0;
    uint64_t frames = 0, bytes = 0;
    unsigned check = 0;

    for (;;) {
        /* Keep the unconsumed tail, then refill with one read() of up to CHUNK bytes. */
        if (pos > 0) {
            memmove(buf, buf + pos, have - pos);
            have -= pos;
            pos = 0;
        }
        if (!eof) {
            ssize_t n;
            do n = read(fd, buf + have, CHUNK); while (n < 0 && errno == EINTR);
            if (n < 0) { perror("read"); return 2; }
            if (n == 0) eof = 1;
            have += (size_t)n;
        }
        if (swap < 0) {
            if (have < 24) { if (eof) { fprintf(stderr, "short file\n"); return 2; } continue; }
            uint32_t magic;
            memcpy(&magic, buf, 4);
            if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) swap = 0;
            else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) swap = 1;
            else { fprintf(stderr, "not a classic pcap file\n"); return 2; }
            pos = 24;
        }
        while (have - pos >= 16) {
            uint32_t caplen = rd32(buf + pos + 8, swap);
            if (caplen > MAX_RECORD - 16) { fprintf(stderr, "bad caplen %u\n", caplen); return 2; }
            if (have - pos < 16u + caplen) break;
            if (caplen > 12) check += buf[pos + 16 + 12];
            frames++;
            bytes += caplen;
            pos += 16u + caplen;
        }
        if (eof) {
            if (have != pos) fprintf(stderr, "warning: %zu trailing bytes (truncated record)\n", have - pos);
            break;
        }
    }
    printf("frames=%" PRIu64 " bytes=%" PRIu64 " check=%u\n", frames, bytes, check);
    free(buf);
    close(fd);
    return 0;
}
