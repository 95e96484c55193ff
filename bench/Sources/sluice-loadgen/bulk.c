// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bulk: one connection streaming as fast as it can for a fixed time. The
 * rate is what the server counted, over the time until its count came
 * back, so bytes still queued at the end are not counted as delivered.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

#define BULK_CHUNK (64 * 1024)

static const char bulk_usage[] = "sluice-loadgen bulk --target HOST:PORT [--seconds S] [--io-timeout-ms N]";

int lg_bulk(int argc, char **argv)
{
	static char chunk[BULK_CHUNK];
	struct lg_client_options options;
	char header[LG_MESSAGE_SIZE] = { LG_OP_BULK };
	unsigned char count_bytes[8];
	uint64_t received = 0, sent = 0;
	uint64_t start, deadline, cpu_start;
	int fd;

	if (lg_parse_client_options(argc, argv, bulk_usage, &options) != 0)
		return LG_EXIT_USAGE;
	fd = socket(options.target.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || lg_set_io_timeout(fd, options.io_timeout_ms) != 0) {
		lg_fail("socket");
		return LG_EXIT_ERROR;
	}
	cpu_start = lg_cpu_ns();
	start = lg_now_ns();
	deadline = start + (uint64_t)(options.seconds * 1e9);
	if (connect(fd, (const struct sockaddr *)&options.target.addr, options.target.len) != 0 ||
	    lg_write_all(fd, header, sizeof(header)) != 0) {
		lg_fail("connect");
		return LG_EXIT_ERROR;
	}
	while (lg_now_ns() < deadline) {
		if (lg_write_all(fd, chunk, sizeof(chunk)) != 0) {
			lg_fail("write");
			return LG_EXIT_ERROR;
		}
		sent += sizeof(chunk);
	}
	if (shutdown(fd, SHUT_WR) != 0 || lg_read_exact(fd, count_bytes, sizeof(count_bytes)) != 0) {
		lg_fail("read the server's count");
		return LG_EXIT_ERROR;
	}
	double elapsed = (double)(lg_now_ns() - start) / 1e9;
	uint64_t cpu = lg_cpu_ns() - cpu_start;

	close(fd);
	for (int i = 7; i >= 0; i--)
		received = received << 8 | count_bytes[i];
	if (received != sent) {
		fprintf(stderr, "sluice-loadgen: bulk: sent %llu bytes, server counted %llu\n",
			(unsigned long long)sent, (unsigned long long)received);
		return LG_EXIT_ERROR;
	}
	printf("{\"mode\":\"bulk\",\"target\":\"%s\",\"seconds\":%.6f,\"bytes\":%llu,\"gbit_per_s\":%.4f,"
	       "\"cpu_ns\":%llu}\n",
	       options.target.text, elapsed, (unsigned long long)received, (double)received * 8 / elapsed / 1e9,
	       (unsigned long long)cpu);
	return LG_EXIT_OK;
}
