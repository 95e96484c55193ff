// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rr: request/response round trips over one persistent connection, each
 * timed. Both ends busy-poll for the answer (the server for the next
 * request), so a round trip is the path's cost: waking a sleeping CPU, which
 * on a virtual machine adds tens of microseconds at random, is left out.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

static const char rr_usage[] = "sluice-loadgen rr --target HOST:PORT [--seconds S] [--io-timeout-ms N]";

/* Reads exactly `length` bytes without sleeping; -1 on error, EOF or after `timeout_ns`. */
static int rr_read_spinning(int fd, char *buffer, size_t length, uint64_t timeout_ns)
{
	uint64_t deadline = 0;
	unsigned int spins = 0;

	while (length > 0) {
		ssize_t got = recv(fd, buffer, length, MSG_DONTWAIT);

		if (got > 0) {
			buffer += got;
			length -= (size_t)got;
			continue;
		}
		if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			if (got == 0)
				errno = 0;
			return -1;
		}
		/* Should the server share this CPU, it gets it. */
		sched_yield();
		/* The clock is read now and then only, so spinning stays cheap. */
		if (++spins % 1024 == 0) {
			uint64_t now = lg_now_ns();

			if (!deadline) {
				deadline = now + timeout_ns;
			} else if (now > deadline) {
				errno = ETIMEDOUT;
				return -1;
			}
		}
	}
	return 0;
}

int lg_rr(int argc, char **argv)
{
	struct lg_client_options options;
	struct lg_samples latencies = { 0 };
	char request[LG_MESSAGE_SIZE] = { LG_OP_REQUEST };
	char response[LG_MESSAGE_SIZE];
	uint64_t start, deadline, now, cpu_start;
	int fd;

	if (lg_parse_client_options(argc, argv, rr_usage, &options) != 0)
		return LG_EXIT_USAGE;
	fd = socket(options.target.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || lg_set_io_timeout(fd, options.io_timeout_ms) != 0 ||
	    connect(fd, (const struct sockaddr *)&options.target.addr, options.target.len) != 0) {
		lg_fail("connect");
		return LG_EXIT_ERROR;
	}
	cpu_start = lg_cpu_ns();
	start = lg_now_ns();
	deadline = start + (uint64_t)(options.seconds * 1e9);
	now = start;
	while (now < deadline) {
		uint64_t begun = now;

		if (lg_write_all(fd, request, sizeof(request)) != 0) {
			lg_fail("write request");
			return LG_EXIT_ERROR;
		}
		if (rr_read_spinning(fd, response, sizeof(response), (uint64_t)options.io_timeout_ms * 1000000) != 0) {
			lg_fail("read response");
			return LG_EXIT_ERROR;
		}
		now = lg_now_ns();
		if (lg_samples_add(&latencies, now - begun) != 0) {
			lg_fail("allocating samples");
			return LG_EXIT_ERROR;
		}
	}
	close(fd);
	double elapsed = (double)(now - start) / 1e9;
	uint64_t cpu = lg_cpu_ns() - cpu_start;
	double mean = lg_samples_mean(&latencies) / 1e3;
	size_t requests = latencies.count;
	double p50 = (double)lg_samples_percentile(&latencies, 0.50) / 1e3;
	double p99 = (double)lg_samples_percentile(&latencies, 0.99) / 1e3;

	printf("{\"mode\":\"rr\",\"target\":\"%s\",\"seconds\":%.6f,\"requests\":%zu,\"mean_us\":%.2f,"
	       "\"p50_us\":%.2f,\"p99_us\":%.2f,\"cpu_ns\":%llu}\n",
	       options.target.text, elapsed, requests, mean, p50, p99, (unsigned long long)cpu);
	lg_samples_free(&latencies);
	return LG_EXIT_OK;
}
