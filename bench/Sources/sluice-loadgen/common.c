// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Targets, clocks and I/O helpers shared by the subcommands. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

/* "A.B.C.D:PORT" or "[V6]:PORT". */
int lg_parse_target(const char *text, struct lg_target *target)
{
	char host[64];
	const char *colon;
	char *end;
	long port;
	size_t host_length;

	memset(target, 0, sizeof(*target));
	if (strlen(text) >= sizeof(target->text))
		return -1;
	strcpy(target->text, text);
	colon = strrchr(text, ':');
	if (!colon)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	if (text[0] == '[') {
		if (colon == text || colon[-1] != ']')
			return -1;
		text++;
		host_length = (size_t)(colon - 1 - text);
	} else {
		host_length = (size_t)(colon - text);
	}
	if (host_length == 0 || host_length >= sizeof(host))
		return -1;
	memcpy(host, text, host_length);
	host[host_length] = '\0';

	struct sockaddr_in *v4 = (struct sockaddr_in *)&target->addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&target->addr;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		target->len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		target->len = sizeof(*v6);
		return 0;
	}
	return -1;
}

/* --target HOST:PORT --seconds S [--io-timeout-ms N] */
int lg_parse_client_options(int argc, char **argv, const char *usage, struct lg_client_options *options)
{
	static const struct option long_options[] = {
		{ "target", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "io-timeout-ms", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int have_target = 0;
	int option;
	char *end;

	options->seconds = 1.0;
	options->io_timeout_ms = 2000;
	optind = 1;
	while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (option) {
		case 't':
			if (lg_parse_target(optarg, &options->target) != 0) {
				fprintf(stderr, "bad target '%s' (want A.B.C.D:PORT or [V6]:PORT)\n", optarg);
				return -1;
			}
			have_target = 1;
			break;
		case 's':
			options->seconds = strtod(optarg, &end);
			if (*end || options->seconds <= 0 || options->seconds > 600) {
				fprintf(stderr, "bad --seconds '%s' (0 < S <= 600)\n", optarg);
				return -1;
			}
			break;
		case 'i':
			options->io_timeout_ms = (int)strtol(optarg, &end, 10);
			if (*end || options->io_timeout_ms < 1 || options->io_timeout_ms > 60000) {
				fprintf(stderr, "bad --io-timeout-ms '%s'\n", optarg);
				return -1;
			}
			break;
		default:
			fprintf(stderr, "usage: %s\n", usage);
			return -1;
		}
	}
	if (!have_target || optind != argc) {
		fprintf(stderr, "usage: %s\n", usage);
		return -1;
	}
	return 0;
}

uint64_t lg_now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/*
 * CPU time of this process. Without IRQ time accounting (the kernel here
 * has none) it includes the softirq work this process ran, which is where
 * veth forwarding, tc programs and netfilter run for its packets.
 */
uint64_t lg_cpu_ns(void)
{
	struct timespec used;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
	return (uint64_t)used.tv_sec * 1000000000ull + (uint64_t)used.tv_nsec;
}

/* SO_RCVTIMEO and SO_SNDTIMEO; the latter also bounds a blocking connect(). */
int lg_set_io_timeout(int fd, int timeout_ms)
{
	struct timeval timeout = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0)
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

int lg_write_all(int fd, const void *buffer, size_t length)
{
	const char *next = buffer;

	while (length > 0) {
		ssize_t written = write(fd, next, length);

		if (written < 0 && errno == EINTR)
			continue;
		if (written <= 0)
			return -1;
		next += written;
		length -= (size_t)written;
	}
	return 0;
}

/* 0 when all `length` bytes arrived, -1 on error or early EOF (errno 0 then). */
int lg_read_exact(int fd, void *buffer, size_t length)
{
	char *next = buffer;

	while (length > 0) {
		ssize_t got = read(fd, next, length);

		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			errno = 0;
		if (got <= 0)
			return -1;
		next += got;
		length -= (size_t)got;
	}
	return 0;
}

/* Reports a failed call with errno's text on stderr. */
void lg_fail(const char *what)
{
	fprintf(stderr, "sluice-loadgen: %s: %s\n", what, errno ? strerror(errno) : "connection closed early");
}
