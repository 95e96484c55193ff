/*
 * What Swift sees of libbpf and of the datapath ABI: the libbpf API itself,
 * the shared layouts, and small shims for the parts of libbpf that are C
 * macros or option structs Swift cannot build (LIBBPF_OPTS, BPF_TC_PARENT).
 */
#ifndef CSLUICEBPF_H
#define CSLUICEBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/statfs.h>
#include <sys/eventfd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../../bpf/include/sluice/abi.h"

/* Opens an object whose LIBBPF_PIN_BY_NAME maps live under pin_root. */
struct bpf_object *sluice_object_open(const char *path, const char *pin_root);

/*
 * libbpf's own messages (verifier logs included) go to a buffer instead of
 * stderr, so errors can carry them. Not thread-safe: loads are serialized.
 */
void sluice_libbpf_capture_logs(void);
void sluice_libbpf_clear_log(void);
size_t sluice_libbpf_copy_log(char *buf, size_t len);

/* Classic tc on clsact: stays attached after the agent exits. */
int sluice_tc_attach(int ifindex, bool ingress, int prog_fd, uint32_t handle,
		     uint32_t priority, bool replace);
int sluice_tc_detach(int ifindex, bool ingress, uint32_t handle, uint32_t priority);
/* 0 and *prog_id set when a filter with handle/priority exists; -ENOENT when not. */
int sluice_tc_query(int ifindex, bool ingress, uint32_t handle, uint32_t priority,
		    uint32_t *prog_id);

/* bpf_prog_test_run_opts for skb programs; repeat 0 means once. */
int sluice_prog_test_run(int prog_fd, const void *data_in, uint32_t size_in,
			 void *data_out, uint32_t *size_out, uint32_t repeat,
			 uint32_t *retval, uint32_t *duration_ns);

/* bpf_map_lookup_batch without LIBBPF_OPTS. */
int sluice_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys,
			    void *values, uint32_t *count);

/*
 * Interface index the kernel routes `addr` through in the calling thread's
 * network namespace (netlink RTM_GETROUTE); negative errno on failure,
 * -EHOSTUNREACH when the route goes through a gateway (not a local pod).
 * family is AF_INET or AF_INET6, addr 4 or 16 bytes in network order.
 */
int sluice_route_oif(int family, const void *addr);

/* Moves the calling thread into the network namespace at `path` (setns). 0 or -errno. */
int sluice_enter_netns(const char *path);

/*
 * Runs the iterator of `link_fd` (a BPF_TRACE_ITER link) to its end in the
 * network namespace `netns_fd` (-1: the caller's), on a thread of its own.
 * The number of bytes the program wrote, or -errno.
 */
long sluice_iter_read(int link_fd, int netns_fd);

/* eventfd(2), absent from Glibc's Swift module. */
int sluice_eventfd(unsigned int initval, int flags);

/* malloc_trim(3), absent too: hands the heap a large load freed back to the system. */
int sluice_malloc_trim(void);

#endif
