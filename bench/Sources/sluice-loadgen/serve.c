// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve: one thread, one epoll loop, every listed port. Answers requests,
 * closes first after LG_OP_CLOSE, counts bulk streams. Runs until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loadgen.h"

#define SERVE_PORTS_MAX 16
#define SERVE_EVENTS 256
#define SERVE_BUFFER (256 * 1024)
/* After answering on a kept connection, poll this long for the next request before sleeping. */
#define SERVE_SPIN_NS 200000ull

static const char serve_usage[] = "sluice-loadgen serve --port P [--port P ...]";

/* Per connection: the bytes of a message read so far, or the bulk count. */
struct serve_connection {
	int fd;
	int bulk;
	int answered; /* a request was answered and the connection kept: an rr client */
	size_t have;
	uint64_t counted;
	char message[LG_MESSAGE_SIZE];
};

/* Listening sockets: epoll hands back a pointer into this table, connections point elsewhere. */
struct serve_listener {
	int fd;
};

static int serve_listen(uint16_t port)
{
	struct sockaddr_in address = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(fd, 4096) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void serve_close(struct serve_connection *connection)
{
	close(connection->fd);
	free(connection);
}

static void serve_accept(int epoll_fd, int listen_fd)
{
	for (;;) {
		int one = 1;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct serve_connection *connection;
		struct epoll_event event = { .events = EPOLLIN };

		if (fd < 0)
			return;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		connection = calloc(1, sizeof(*connection));
		if (!connection) {
			close(fd);
			continue;
		}
		connection->fd = fd;
		event.data.ptr = connection;
		if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0)
			serve_close(connection);
	}
}

/* A bulk stream ended: answer with the count, then close. */
static void serve_finish_bulk(struct serve_connection *connection)
{
	unsigned char count[8];
	int flags = fcntl(connection->fd, F_GETFL);

	for (int i = 0; i < 8; i++)
		count[i] = (unsigned char)(connection->counted >> (8 * i));
	fcntl(connection->fd, F_SETFL, flags & ~O_NONBLOCK);
	lg_write_all(connection->fd, count, sizeof(count));
	serve_close(connection);
}

/* Answers every complete message; returns -1 when the connection is done. */
static int serve_messages(struct serve_connection *connection, const char *data, size_t length)
{
	static const char answer[LG_MESSAGE_SIZE] = { 'A' };

	while (length > 0) {
		if (connection->bulk) {
			connection->counted += length;
			return 0;
		}
		size_t take = LG_MESSAGE_SIZE - connection->have;

		if (take > length)
			take = length;
		memcpy(connection->message + connection->have, data, take);
		connection->have += take;
		data += take;
		length -= take;
		if (connection->have < LG_MESSAGE_SIZE)
			return 0;
		connection->have = 0;
		switch (connection->message[0]) {
		case LG_OP_BULK:
			connection->bulk = 1;
			break;
		case LG_OP_REQUEST:
			if (write(connection->fd, answer, sizeof(answer)) != sizeof(answer))
				return -1;
			connection->answered = 1;
			break;
		case LG_OP_CLOSE:
			/* The answer leaves before the FIN; a failed write ends the connection all the same. */
			lg_write_all(connection->fd, answer, sizeof(answer));
			return -1;
		default:
			return -1;
		}
	}
	return 0;
}

/*
 * Reads what is there and answers it. An rr client's next request comes a
 * round trip after the answer, so the server polls for it briefly instead of
 * sleeping: the rr latency is the path's, not a CPU's wake-up.
 */
static void serve_readable(struct serve_connection *connection)
{
	static char buffer[SERVE_BUFFER];
	uint64_t spin_until = 0;

	for (;;) {
		ssize_t got = read(connection->fd, buffer, sizeof(buffer));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!connection->answered)
				return;
			if (!spin_until)
				spin_until = lg_now_ns() + SERVE_SPIN_NS;
			else if (lg_now_ns() > spin_until)
				return;
			/* Should the client share this CPU, it gets it. */
			sched_yield();
			continue;
		}
		spin_until = 0;
		if (got == 0 && connection->bulk) {
			serve_finish_bulk(connection);
			return;
		}
		if (got <= 0 || serve_messages(connection, buffer, (size_t)got) != 0) {
			serve_close(connection);
			return;
		}
	}
}

static int serve_parse(int argc, char **argv, uint16_t *ports, int *count)
{
	static const struct option long_options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int option;
	char *end;

	*count = 0;
	optind = 1;
	while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		long port;

		if (option != 'p' || *count == SERVE_PORTS_MAX)
			return -1;
		port = strtol(optarg, &end, 10);
		if (*end || port < 1 || port > 65535)
			return -1;
		ports[(*count)++] = (uint16_t)port;
	}
	return *count > 0 && optind == argc ? 0 : -1;
}

int lg_serve(int argc, char **argv)
{
	static struct serve_listener listeners[SERVE_PORTS_MAX];
	struct epoll_event events[SERVE_EVENTS];
	uint16_t ports[SERVE_PORTS_MAX];
	int count, epoll_fd;

	if (serve_parse(argc, argv, ports, &count) != 0) {
		fprintf(stderr, "usage: %s\n", serve_usage);
		return LG_EXIT_USAGE;
	}
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0) {
		lg_fail("epoll_create1");
		return LG_EXIT_ERROR;
	}
	for (int i = 0; i < count; i++) {
		struct epoll_event event = { .events = EPOLLIN, .data.ptr = &listeners[i] };

		listeners[i].fd = serve_listen(ports[i]);
		if (listeners[i].fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listeners[i].fd, &event) != 0) {
			fprintf(stderr, "sluice-loadgen: listen on port %u: %s\n", ports[i], strerror(errno));
			return LG_EXIT_ERROR;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int ready = epoll_wait(epoll_fd, events, SERVE_EVENTS, -1);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			lg_fail("epoll_wait");
			return LG_EXIT_ERROR;
		}
		for (int i = 0; i < ready; i++) {
			struct serve_listener *listener = events[i].data.ptr;

			if (listener >= listeners && listener < listeners + SERVE_PORTS_MAX)
				serve_accept(epoll_fd, listener->fd);
			else
				serve_readable(events[i].data.ptr);
		}
	}
}
