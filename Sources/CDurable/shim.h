#ifndef FERRY_CDURABLE_SHIM_H
#define FERRY_CDURABLE_SHIM_H
#include <stdint.h>

// sync_file_range(2) is a GNU extension: Swift's Glibc module is built without _GNU_SOURCE and does not declare it.
int sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags);

// Starts writeback of every dirty page of fd without waiting for it (SYNC_FILE_RANGE_WRITE is 2 in <fcntl.h>).
static inline int ferry_start_writeback(int fd) { return sync_file_range(fd, 0, 0, 2); }
#endif
