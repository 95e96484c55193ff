/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sluice-loadgen: the benchmark's traffic. One binary holds the server that
 * runs in server pods and the clients that run in the client pod, so both
 * ends of every measurement speak the same tiny protocol.
 */
#ifndef SLUICE_LOADGEN_H
#define SLUICE_LOADGEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * The wire protocol: a client message is LG_MESSAGE_SIZE bytes whose first
 * byte is the operation; the server answers with LG_MESSAGE_SIZE bytes.
 * A bulk connection starts with one LG_MESSAGE_SIZE header, then streams
 * until it shuts down its sending side; the server answers with the
 * number of bytes it received (8 bytes, little endian) and closes.
 */
#define LG_MESSAGE_SIZE 64
#define LG_OP_REQUEST 'R' /* answer and keep the connection */
#define LG_OP_CLOSE   'C' /* answer, then close: the server closes first, like HTTP/1.0 */
#define LG_OP_BULK    'B' /* count everything until EOF, answer with the count */

/* Exit codes the benchmark runner tells apart. */
#define LG_EXIT_OK      0
#define LG_EXIT_ERROR   1 /* a connection or request failed: the row is broken */
#define LG_EXIT_USAGE   2
#define LG_EXIT_TIMEOUT 3 /* watch: the expected state never showed up */

struct lg_target {
	struct sockaddr_storage addr;
	socklen_t len;
	char text[64];
};

/* Options every client subcommand understands. */
struct lg_client_options {
	struct lg_target target;
	double seconds;        /* how long to generate load */
	int io_timeout_ms;     /* bound on every blocking call */
};

/* A growable array of latency samples in nanoseconds. */
struct lg_samples {
	uint64_t *values;
	size_t count;
	size_t capacity;
};

/* common.c */
int lg_parse_target(const char *text, struct lg_target *target);
int lg_parse_client_options(int argc, char **argv, const char *usage, struct lg_client_options *options);
uint64_t lg_now_ns(void);
uint64_t lg_cpu_ns(void);
int lg_set_io_timeout(int fd, int timeout_ms);
int lg_write_all(int fd, const void *buffer, size_t length);
int lg_read_exact(int fd, void *buffer, size_t length);
void lg_fail(const char *what);

/* samples.c */
int lg_samples_add(struct lg_samples *samples, uint64_t value);
uint64_t lg_samples_percentile(struct lg_samples *samples, double fraction);
double lg_samples_mean(const struct lg_samples *samples);
void lg_samples_free(struct lg_samples *samples);

/* One subcommand each. */
int lg_serve(int argc, char **argv);
int lg_crr(int argc, char **argv);
int lg_rr(int argc, char **argv);
int lg_bulk(int argc, char **argv);
int lg_watch(int argc, char **argv);

#endif /* SLUICE_LOADGEN_H */
