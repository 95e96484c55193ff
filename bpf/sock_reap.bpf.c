// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Closes the connected UDP sockets of a network namespace that the socket
 * load balancer translated to a backend which has since left the service
 * (listed by the agent in sluice_rpk_v1). Run as a UDP socket iterator;
 * writes one byte per socket closed, so the agent's read counts them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "address_family.h"
#include "maps.h"
#include "sock_iter.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_REAP_MAX);
	__type(key, struct sluice_reap_key);
	__type(value, __u8);
} sluice_rpk_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_rpk_v1, SLUICE_MAP_REAP);

/*
 * The socket's peer as the connect hook recorded it in sluice_rsk_v1: an
 * IPv4 address in an IPv6 socket (::ffff:a.b.c.d) counts as IPv4. False for
 * a socket of another family.
 */
static __always_inline int __sluice_reap_peer(struct sock_common *sk, struct sluice_reverse_sock_key *key)
{
	__u32 words[4];

	key->port = sk->skc_dport;
	switch (sk->skc_family) {
	case SLUICE_AF_INET:
		words[0] = sk->skc_daddr;
		__builtin_memcpy(key->addr, words, 4);
		key->family = SLUICE_FAMILY_IPV4;
		return 1;
	case SLUICE_AF_INET6:
		words[0] = sk->skc_v6_daddr.in6_u.u6_addr32[0];
		words[1] = sk->skc_v6_daddr.in6_u.u6_addr32[1];
		words[2] = sk->skc_v6_daddr.in6_u.u6_addr32[2];
		words[3] = sk->skc_v6_daddr.in6_u.u6_addr32[3];
		sluice_unmap6(words, key->addr, &key->family);
		return 1;
	}
	return 0;
}

SEC("iter/udp")
int sluice_reap_udp(struct bpf_iter__udp *ctx)
{
	struct sock_common *sk = (struct sock_common *)ctx->udp_sk;
	struct sluice_reverse_sock_key peer = {};
	const struct sluice_reverse_sock_value *vip;
	struct sluice_reap_key gone = {};
	__u8 closed = 1;

	if (!sk || !__sluice_reap_peer(sk, &peer))
		return 0;
	peer.cookie = bpf_get_socket_cookie(sk);
	vip = bpf_map_lookup_elem(&sluice_rsk_v1, &peer);
	if (!vip)
		return 0;
	__builtin_memcpy(gone.addr, peer.addr, sizeof(gone.addr));
	gone.port = peer.port;
	gone.family = peer.family;
	gone.service_id = vip->service_id;
	if (!bpf_map_lookup_elem(&sluice_rpk_v1, &gone))
		return 0;
	if (bpf_sock_destroy(sk) == 0)
		bpf_seq_write(ctx->meta->seq, &closed, sizeof(closed));
	return 0;
}

_Static_assert(__builtin_strcmp(SLUICE_PROG_REAP_UDP, "sluice_reap_udp") == 0, "program name");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
