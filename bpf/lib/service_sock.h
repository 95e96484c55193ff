/* Socket-level translation: the address an application passes to connect/sendmsg becomes a backend, and back. */
#ifndef SLUICE_SERVICE_SOCK_H
#define SLUICE_SERVICE_SOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "address_family.h"
#include "maps.h"
#include "service.h"

/* What translating one address came to. */
enum sluice_sock_result {
	SLUICE_SOCK_PASS       = 0, /* not a service: leave the address alone */
	SLUICE_SOCK_TRANSLATED = 1, /* now a backend's address */
	SLUICE_SOCK_REFUSED    = 2, /* a service without a backend for new flows */
};

static __always_inline void sluice_sock_read4(const struct bpf_sock_addr *ctx, struct sluice_sockaddr *sa)
{
	__u32 ip = ctx->user_ip4;

	__builtin_memset(sa, 0, sizeof(*sa));
	__builtin_memcpy(sa->addr, &ip, sizeof(ip));
	sa->port = (__be16)ctx->user_port;
	sa->family = SLUICE_FAMILY_IPV4;
}

static __always_inline void sluice_sock_write4(struct bpf_sock_addr *ctx, const struct sluice_sockaddr *sa)
{
	__u32 ip;

	__builtin_memcpy(&ip, sa->addr, sizeof(ip));
	ctx->user_ip4 = ip;
	ctx->user_port = (__u32)sa->port;
}

/*
 * An IPv6 socket's address; `::ffff:a.b.c.d` (a dual-stack socket talking
 * IPv4) is read as the IPv4 address it carries, so IPv4 services work there
 * too, and *mapped remembers to write it back the same way.
 */
static __always_inline void sluice_sock_read6(const struct bpf_sock_addr *ctx, struct sluice_sockaddr *sa,
					      int *mapped)
{
	__u32 words[4];

	words[0] = ctx->user_ip6[0];
	words[1] = ctx->user_ip6[1];
	words[2] = ctx->user_ip6[2];
	words[3] = ctx->user_ip6[3];
	__builtin_memset(sa, 0, sizeof(*sa));
	sa->port = (__be16)ctx->user_port;
	*mapped = sluice_unmap6(words, sa->addr, &sa->family);
}

static __always_inline void sluice_sock_write6(struct bpf_sock_addr *ctx, const struct sluice_sockaddr *sa,
					       int mapped)
{
	__u32 words[4];

	if (mapped) {
		words[0] = 0;
		words[1] = 0;
		words[2] = bpf_htonl(0xffff);
		__builtin_memcpy(&words[3], sa->addr, 4);
	} else {
		__builtin_memcpy(words, sa->addr, 16);
	}
	ctx->user_ip6[0] = words[0];
	ctx->user_ip6[1] = words[1];
	ctx->user_ip6[2] = words[2];
	ctx->user_ip6[3] = words[3];
	ctx->user_port = (__u32)sa->port;
}

/* Remembers that this socket's `backend` stands for `vip`, for replies and getpeername. */
static __always_inline void __sluice_sock_remember(__u64 cookie, const struct sluice_backend_value *backend,
						   const struct sluice_sockaddr *vip, __u32 service_id)
{
	struct sluice_reverse_sock_key key = {
		.cookie = cookie,
		.port = backend->port,
		.family = backend->family,
	};
	struct sluice_reverse_sock_value value = {
		.port = vip->port,
		.family = vip->family,
		.service_id = service_id,
	};

	__builtin_memcpy(key.addr, backend->addr, sizeof(key.addr));
	__builtin_memcpy(value.addr, vip->addr, sizeof(value.addr));
	bpf_map_update_elem(&sluice_rsk_v1, &key, &value, BPF_ANY);
}

/*
 * Turns a VIP in `dst` into one of its backends. The socket cookie picks
 * the Maglev slot, so every datagram of one unconnected socket goes to the
 * same backend; affinity keys on the client's network namespace, because a
 * socket has no source address yet when it connects.
 */
static __always_inline enum sluice_sock_result sluice_sock_translate(struct bpf_sock_addr *ctx,
								      struct sluice_sockaddr *dst)
{
	const struct sluice_service_value *svc;
	const struct sluice_backend_value *backend = 0;
	struct sluice_affinity_key client = { .kind = SLUICE_AFFINITY_NETNS };
	__u64 cookie, netns;
	__u32 backend_id;

	svc = sluice_service_lookup(dst, (__u8)ctx->protocol);
	if (!svc)
		return SLUICE_SOCK_PASS;

	cookie = bpf_get_socket_cookie(ctx);
	netns = bpf_get_netns_cookie(ctx);
	__builtin_memcpy(client.client, &netns, sizeof(netns));
	client.service_id = svc->service_id;
	backend_id = sluice_service_pick(svc, sluice_hash64(cookie), &client);
	if (backend_id)
		backend = sluice_backend_of(backend_id);
	if (!backend || backend->family != dst->family) {
		sluice_service_count(svc->service_id, 0);
		return SLUICE_SOCK_REFUSED;
	}
	sluice_service_count(svc->service_id, backend_id);
	__sluice_sock_remember(cookie, backend, dst, svc->service_id);
	__builtin_memcpy(dst->addr, backend->addr, sizeof(dst->addr));
	dst->port = backend->port;
	return SLUICE_SOCK_TRANSLATED;
}

/* Turns a backend this socket was translated to back into the VIP; false when it was not. */
static __always_inline int sluice_sock_reverse(struct bpf_sock_addr *ctx, struct sluice_sockaddr *peer)
{
	struct sluice_reverse_sock_key key = {
		.port = peer->port,
		.family = peer->family,
	};
	const struct sluice_reverse_sock_value *vip;

	key.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(key.addr, peer->addr, sizeof(key.addr));
	vip = bpf_map_lookup_elem(&sluice_rsk_v1, &key);
	if (!vip)
		return 0;
	__builtin_memcpy(peer->addr, vip->addr, sizeof(peer->addr));
	peer->port = vip->port;
	return 1;
}

#endif /* SLUICE_SERVICE_SOCK_H */
