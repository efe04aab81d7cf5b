#ifndef VANTAGE_CPREFETCH_H
#define VANTAGE_CPREFETCH_H

/// Asks the CPU to bring the `bytes` bytes at `address` into its caches ahead of use (a hint:
/// it never faults and changes nothing). Swift has no prefetch intrinsic of its own.
static inline void vantage_prefetch(const void *address, long bytes) {
    const char *line = (const char *)address;
    for (long offset = 0; offset < bytes; offset += 64) {
        __builtin_prefetch(line + offset, 0, 3);
    }
}

#endif
