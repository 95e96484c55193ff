// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * watch: tells when a change reaches the datapath. It starts a TCP connect
 * every interval (never waiting for the previous one) and judges each
 * attempt: "open" when the handshake completes, "blocked" when it is
 * refused, unreachable or unanswered within the attempt timeout. It prints
 * the monotonic start time of the first attempt showing the awaited state,
 * once `confirm` attempts in a row have shown it. CLOCK_MONOTONIC is shared
 * by all processes, so the runner subtracts the time it made the change.
 *
 * Each attempt binds the next source port of its own sequence (--first-port
 * on), so no attempt reuses the 4-tuple of an earlier one: a reused tuple
 * could match a conntrack entry of a closed flow and show the path as it
 * was, not as the rules say now. After the first seconds attempts thin out
 * tenfold, which bounds the ports a long load uses.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

#define WATCH_SLOTS 1024

static const char watch_usage[] =
	"sluice-loadgen watch --target HOST:PORT --until open|blocked --timeout-ms N "
	"[--interval-us N] [--attempt-timeout-ms N] [--confirm N] [--first-port N]";

/* Attempts start every interval for this long, then every ten intervals. */
#define WATCH_DENSE_NS 2000000000ull
#define WATCH_PORT_MIN 1024
#define WATCH_PORT_MAX 65535

enum watch_state { WATCH_PENDING, WATCH_OPEN, WATCH_BLOCKED };

struct watch_attempt {
	int fd;
	uint64_t started_ns;
	enum watch_state state;
	int error; /* why a blocked attempt was blocked: its errno, ETIMEDOUT when unanswered */
};

struct watch_options {
	struct lg_target target;
	enum watch_state until;
	uint64_t timeout_ns;
	uint64_t interval_ns;
	uint64_t attempt_timeout_ns;
	int confirm;
	int first_port; /* 0: the kernel picks source ports */
};

/* Attempts in start order: a ring of WATCH_SLOTS, judged from the oldest. */
struct watch_ring {
	struct watch_attempt slots[WATCH_SLOTS];
	unsigned long oldest;
	unsigned long next;
};

static const char *watch_state_name(enum watch_state state)
{
	return state == WATCH_OPEN ? "open" : "blocked";
}

static int watch_parse(int argc, char **argv, struct watch_options *options)
{
	static const struct option long_options[] = {
		{ "target", required_argument, NULL, 't' },
		{ "until", required_argument, NULL, 'u' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "attempt-timeout-ms", required_argument, NULL, 'a' },
		{ "confirm", required_argument, NULL, 'c' },
		{ "first-port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int have_target = 0, have_until = 0, option;
	char *end;
	long value;

	options->timeout_ns = 0;
	options->interval_ns = 1000000;
	/*
	 * Generous, because on a busy machine a handshake can take milliseconds: a
	 * long timeout only delays the verdict on a dropped attempt, never the time
	 * reported, which is the attempt's start.
	 */
	options->attempt_timeout_ns = 100000000;
	options->confirm = 3;
	options->first_port = 0;
	optind = 1;
	while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (option == 't') {
			if (lg_parse_target(optarg, &options->target) != 0)
				return -1;
			have_target = 1;
			continue;
		}
		if (option == 'u') {
			if (strcmp(optarg, "open") == 0)
				options->until = WATCH_OPEN;
			else if (strcmp(optarg, "blocked") == 0)
				options->until = WATCH_BLOCKED;
			else
				return -1;
			have_until = 1;
			continue;
		}
		if (option == '?')
			return -1;
		value = strtol(optarg, &end, 10);
		if (*end || value < 1 || value > 3600000)
			return -1;
		switch (option) {
		case 'T':
			options->timeout_ns = (uint64_t)value * 1000000;
			break;
		case 'i':
			options->interval_ns = (uint64_t)value * 1000;
			break;
		case 'a':
			options->attempt_timeout_ns = (uint64_t)value * 1000000;
			break;
		case 'c':
			if (value > WATCH_SLOTS / 2)
				return -1;
			options->confirm = (int)value;
			break;
		case 'p':
			if (value < WATCH_PORT_MIN || value > WATCH_PORT_MAX)
				return -1;
			options->first_port = (int)value;
			break;
		}
	}
	return have_target && have_until && options->timeout_ns && optind == argc ? 0 : -1;
}

/*
 * Binds `fd` to the next free port of the sequence; ports still held by a
 * socket of this or another process are skipped. Returns -1 when none of
 * the next few is free.
 */
static int watch_bind(int fd, int family, int *next_port)
{
	for (int tries = 0; tries < 64; tries++) {
		struct sockaddr_storage local = { .ss_family = (sa_family_t)family };
		uint16_t port = htons((uint16_t)*next_port);

		if (family == AF_INET)
			((struct sockaddr_in *)&local)->sin_port = port;
		else
			((struct sockaddr_in6 *)&local)->sin6_port = port;
		*next_port = *next_port == WATCH_PORT_MAX ? WATCH_PORT_MIN : *next_port + 1;
		if (bind(fd, (struct sockaddr *)&local, sizeof(local)) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

/* A non-blocking connect, registered with epoll; judged at once when it fails at once. */
static int watch_start(int epoll_fd, const struct watch_options *options, int *next_port,
		       struct watch_attempt *attempt)
{
	struct epoll_event event = { .events = EPOLLOUT, .data.ptr = attempt };
	int family = options->target.addr.ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	attempt->started_ns = lg_now_ns();
	attempt->state = WATCH_PENDING;
	attempt->error = 0;
	attempt->fd = -1;
	if (fd < 0) {
		lg_fail("socket");
		return -1;
	}
	if (*next_port && watch_bind(fd, family, next_port) != 0) {
		lg_fail("bind a source port");
		close(fd);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&options->target.addr, options->target.len) == 0) {
		attempt->state = WATCH_OPEN;
		close(fd);
		return 0;
	}
	if (errno != EINPROGRESS) {
		/* Refused or unreachable right away: the packet was rejected, not lost. */
		attempt->state = WATCH_BLOCKED;
		attempt->error = errno;
		close(fd);
		return 0;
	}
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
		lg_fail("epoll_ctl");
		close(fd);
		return -1;
	}
	attempt->fd = fd;
	return 0;
}

/* Ends an attempt; a reset instead of a FIN leaves no TIME_WAIT behind in the client. */
static void watch_judge(struct watch_attempt *attempt, enum watch_state state, int error)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };

	attempt->state = state;
	attempt->error = error;
	if (attempt->fd >= 0) {
		setsockopt(attempt->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
		close(attempt->fd);
		attempt->fd = -1;
	}
}

static void watch_completed(struct watch_attempt *attempt)
{
	int error = 0;
	socklen_t length = sizeof(error);

	if (attempt->state != WATCH_PENDING)
		return;
	getsockopt(attempt->fd, SOL_SOCKET, SO_ERROR, &error, &length);
	watch_judge(attempt, error == 0 ? WATCH_OPEN : WATCH_BLOCKED, error);
}

static void watch_expire(struct watch_ring *ring, const struct watch_options *options, uint64_t now)
{
	for (unsigned long i = ring->oldest; i < ring->next; i++) {
		struct watch_attempt *attempt = &ring->slots[i % WATCH_SLOTS];

		if (attempt->state == WATCH_PENDING && now - attempt->started_ns >= options->attempt_timeout_ns)
			watch_judge(attempt, WATCH_BLOCKED, ETIMEDOUT);
	}
}

/* How long to sleep: until the next attempt is due or the oldest pending one expires. */
static uint64_t watch_sleep_ns(const struct watch_ring *ring, const struct watch_options *options,
			       uint64_t next_start, uint64_t now)
{
	uint64_t wake = next_start;

	for (unsigned long i = ring->oldest; i < ring->next; i++) {
		const struct watch_attempt *attempt = &ring->slots[i % WATCH_SLOTS];
		uint64_t expiry = attempt->started_ns + options->attempt_timeout_ns;

		if (attempt->state == WATCH_PENDING && expiry < wake)
			wake = expiry;
	}
	return wake > now ? wake - now : 0;
}

/* Consecutive judged attempts in the awaited state, from the oldest on. */
struct watch_run {
	int length;
	uint64_t started_ns;
};

/* Judges attempts from the oldest on; true once `confirm` in a row showed the awaited state. */
static int watch_confirmed(struct watch_ring *ring, const struct watch_options *options, struct watch_run *run)
{
	while (ring->oldest < ring->next) {
		const struct watch_attempt *attempt = &ring->slots[ring->oldest % WATCH_SLOTS];

		if (attempt->state == WATCH_PENDING)
			return 0;
		if (attempt->state == options->until) {
			if (run->length == 0)
				run->started_ns = attempt->started_ns;
			run->length++;
		} else {
			run->length = 0;
		}
		ring->oldest++;
		if (run->length >= options->confirm)
			return 1;
	}
	return 0;
}

int lg_watch(int argc, char **argv)
{
	static struct watch_ring ring;
	struct epoll_event events[64];
	struct watch_options options;
	struct watch_run run = { 0 };
	uint64_t start, next_start;
	int announced = 0, epoll_fd, next_port;

	if (watch_parse(argc, argv, &options) != 0) {
		fprintf(stderr, "usage: %s\n", watch_usage);
		return LG_EXIT_USAGE;
	}
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0) {
		lg_fail("epoll_create1");
		return LG_EXIT_ERROR;
	}
	next_port = options.first_port;
	start = lg_now_ns();
	next_start = start;
	while (!watch_confirmed(&ring, &options, &run)) {
		uint64_t now = lg_now_ns();

		if (now - start > options.timeout_ns) {
			printf("{\"observed\":false,\"until\":\"%s\",\"attempts\":%lu,\"next_port\":%d}\n",
			       watch_state_name(options.until), ring.next, next_port);
			return LG_EXIT_TIMEOUT;
		}
		/* The ring holds only attempts not yet walked past. */
		if (now >= next_start && ring.next - ring.oldest < WATCH_SLOTS) {
			uint64_t interval = options.interval_ns * (now - start < WATCH_DENSE_NS ? 1 : 10);

			if (watch_start(epoll_fd, &options, &next_port, &ring.slots[ring.next % WATCH_SLOTS]) != 0)
				return LG_EXIT_ERROR;
			ring.next++;
			next_start += interval;
			if (next_start < now)
				next_start = now + interval;
		}
		uint64_t sleep_ns = watch_sleep_ns(&ring, &options, next_start, lg_now_ns());
		struct timespec timeout = { .tv_sec = (time_t)(sleep_ns / 1000000000ull),
					    .tv_nsec = (long)(sleep_ns % 1000000000ull) };
		int ready = epoll_pwait2(epoll_fd, events, 64, &timeout, NULL);

		if (ready < 0 && errno != EINTR) {
			lg_fail("epoll_pwait2");
			return LG_EXIT_ERROR;
		}
		for (int i = 0; i < ready; i++)
			watch_completed(events[i].data.ptr);
		watch_expire(&ring, &options, lg_now_ns());
		/* The first judged attempt tells the runner the watch is live, and what it sees now. */
		if (!announced && ring.slots[0].state != WATCH_PENDING) {
			printf("ready %s %s\n", watch_state_name(ring.slots[0].state),
			       ring.slots[0].error ? strerror(ring.slots[0].error) : "connected");
			fflush(stdout);
			announced = 1;
		}
	}
	printf("{\"observed\":true,\"until\":\"%s\",\"observed_ns\":%llu,\"attempts\":%lu,\"next_port\":%d}\n",
	       watch_state_name(options.until), (unsigned long long)run.started_ns, ring.next, next_port);
	return LG_EXIT_OK;
}
