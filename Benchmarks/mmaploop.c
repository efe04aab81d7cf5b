/*
 * mmaploop.c: the mmap() comparison. Maps the whole capture read-only and walks the record
 * headers in place, counting frames and captured bytes, folding one byte of every frame
 * (offset 12) into a checksum like readloop.c. No madvise() unless -s (MADV_SEQUENTIAL) or
 * -p (MAP_POPULATE) is given.
 *
 * Usage: mmaploop [-s] [-p] FILE    Prints: frames=N bytes=B check=X
 * Build: cc -O2 -o mmaploop mmaploop.c
 */
#define _FILE_OFFSET_BITS 64
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t rd32(const unsigned char *p, int swap) {
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

int main(int argc, char **argv) {
    int sequential = 0, populate = 0, arg = 1;
    for (; arg < argc && argv[arg][0] == '-'; arg++) {
        if (strcmp(argv[arg], "-s") == 0) sequential = 1;
        else if (strcmp(argv[arg], "-p") == 0) populate = 1;
        else break;
    }
    if (arg != argc - 1) {
        fprintf(stderr, "usage: %s [-s] [-p] FILE\n", argv[0]);
        return 2;
    }
    int fd = open(argv[arg], O_RDONLY);
    if (fd < 0) { perror(argv[arg]); return 2; }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); return 2; }
    size_t size = (size_t)st.st_size;
    if (size < 24) { fprintf(stderr, "short file\n"); return 2; }
    const unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
    if (map == MAP_FAILED) { perror("mmap"); return 2; }
    if (sequential) madvise((void *)map, size, MADV_SEQUENTIAL);

    uint32_t magic;
    memcpy(&magic, map, 4);
    int swap;
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) swap = 0;
    else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) swap = 1;
    else { fprintf(stderr, "not a classic pcap file\n"); return 2; }

    uint64_t frames = 0, bytes = 0;
    unsigned check = 0;
    size_t pos = 24;
    while (size - pos >= 16) {
        uint32_t caplen = rd32(map + pos + 8, swap);
        if (size - pos - 16 < caplen) { fprintf(stderr, "warning: truncated record\n"); break; }
        if (caplen > 12) check += map[pos + 16 + 12];
        frames++;
        bytes += caplen;
        pos += 16u + caplen;
    }
    printf("frames=%" PRIu64 " bytes=%" PRIu64 " check=%u\n", frames, bytes, check);
    munmap((void *)map, size);
    close(fd);
    return 0;
}
