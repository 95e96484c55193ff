/*
 * The few kernel types a socket iterator reads, declared for CO-RE: libbpf
 * moves every field access to where the running kernel's BTF puts it, so
 * only the fields used are named, and their order here means nothing.
 */
#ifndef SLUICE_SOCK_ITER_H
#define SLUICE_SOCK_ITER_H

#include <linux/bpf.h>
#include <linux/in6.h>

struct seq_file;
struct udp_sock;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__udp {
	struct bpf_iter_meta *meta;
	struct udp_sock *udp_sk;
} __attribute__((preserve_access_index));

/* In the kernel these sit in anonymous unions; CO-RE finds them there by name. */
struct sock_common {
	__be32 skc_daddr;
	__be16 skc_dport;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
} __attribute__((preserve_access_index));

/* Linux 6.5: closes a socket from a TCP or UDP iterator (abi.h says what its owner sees). */
extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

#endif /* SLUICE_SOCK_ITER_H */
