// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "CSluiceBPF.h"

struct sluice_iter_run {
	int link_fd;
	int netns_fd;
	long result;
};

/*
 * A socket iterator walks the namespace of the thread that creates it, and
 * setns() moves only the calling thread: a thread of its own does both and
 * ends, so no thread of the caller's ever leaves its namespace.
 */
static void *sluice_iter_thread(void *arg)
{
	struct sluice_iter_run *run = arg;
	char buf[4096];
	long total = 0;
	ssize_t n;
	int fd;

	if (run->netns_fd >= 0 && setns(run->netns_fd, CLONE_NEWNET)) {
		run->result = -errno;
		return NULL;
	}
	fd = bpf_iter_create(run->link_fd);
	if (fd < 0) {
		run->result = fd;
		return NULL;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	run->result = n < 0 ? -errno : total;
	close(fd);
	return NULL;
}

long sluice_iter_read(int link_fd, int netns_fd)
{
	struct sluice_iter_run run = { .link_fd = link_fd, .netns_fd = netns_fd };
	pthread_t thread;
	int ret;

	ret = pthread_create(&thread, NULL, sluice_iter_thread, &run);
	if (ret)
		return -ret;
	pthread_join(thread, NULL);
	return run.result;
}
