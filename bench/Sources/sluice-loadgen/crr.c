// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * crr: connect, one request, one response, close, one connection after the
 * other for a fixed time. The server closes first, so the client never
 * holds TIME_WAIT sockets and cannot run out of ports.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

static const char crr_usage[] = "sluice-loadgen crr --target HOST:PORT [--seconds S] [--io-timeout-ms N]";

/* One connection; 0 when the whole exchange worked. */
static int crr_once(const struct lg_client_options *options)
{
	char request[LG_MESSAGE_SIZE] = { LG_OP_CLOSE };
	char response[LG_MESSAGE_SIZE];
	char rest;
	int fd = socket(options->target.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int result = -1;

	if (fd < 0) {
		lg_fail("socket");
		return -1;
	}
	if (lg_set_io_timeout(fd, options->io_timeout_ms) != 0) {
		lg_fail("setsockopt");
	} else if (connect(fd, (const struct sockaddr *)&options->target.addr, options->target.len) != 0) {
		lg_fail("connect");
	} else if (lg_write_all(fd, request, sizeof(request)) != 0) {
		lg_fail("write request");
	} else if (lg_read_exact(fd, response, sizeof(response)) != 0) {
		lg_fail("read response");
	} else if (read(fd, &rest, 1) != 0) {
		/* The server's FIN must follow the answer; anything else is a protocol error. */
		lg_fail("wait for the server to close");
	} else {
		result = 0;
	}
	close(fd);
	return result;
}

int lg_crr(int argc, char **argv)
{
	struct lg_client_options options;
	struct lg_samples latencies = { 0 };
	uint64_t connections = 0, errors = 0;
	uint64_t start, deadline, now, cpu_start;

	if (lg_parse_client_options(argc, argv, crr_usage, &options) != 0)
		return LG_EXIT_USAGE;
	cpu_start = lg_cpu_ns();
	start = lg_now_ns();
	deadline = start + (uint64_t)(options.seconds * 1e9);
	now = start;
	/* A few failures are reported with their cause; past that the row is broken anyway. */
	while (now < deadline && errors < 5) {
		uint64_t begun = now;

		if (crr_once(&options) == 0) {
			connections++;
		} else {
			errors++;
		}
		now = lg_now_ns();
		if (lg_samples_add(&latencies, now - begun) != 0) {
			lg_fail("allocating samples");
			return LG_EXIT_ERROR;
		}
	}
	double elapsed = (double)(now - start) / 1e9;
	uint64_t cpu = lg_cpu_ns() - cpu_start;
	double p50 = (double)lg_samples_percentile(&latencies, 0.50) / 1e3;
	double p99 = (double)lg_samples_percentile(&latencies, 0.99) / 1e3;

	printf("{\"mode\":\"crr\",\"target\":\"%s\",\"seconds\":%.6f,\"connections\":%llu,\"errors\":%llu,"
	       "\"rate\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"cpu_ns\":%llu}\n",
	       options.target.text, elapsed, (unsigned long long)connections, (unsigned long long)errors,
	       (double)connections / elapsed, p50, p99, (unsigned long long)cpu);
	lg_samples_free(&latencies);
	return errors ? LG_EXIT_ERROR : LG_EXIT_OK;
}
