// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Socket-level service load balancing on cgroup hooks: connect() and
 * unconnected sendmsg() to a VIP go to a backend before any packet exists
 * (so no per-packet NAT, and the pod datapath's policy sees the backend);
 * recvmsg() and getpeername() show the VIP again. A service without a
 * backend for new flows refuses at once with ECONNREFUSED.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "events.h"
#include "service_sock.h"

/* cgroup sock_addr verdicts. */
#define SLUICE_SOCK_ALLOW  1
#define SLUICE_SOCK_REJECT 0

/*
 * A plain 0 from connect/sendmsg fails the call with EPERM; bpf_set_retval
 * (Linux 5.18) sets the errno the application sees instead.
 */
static __always_inline int __sluice_sock_verdict(enum sluice_sock_result result)
{
	if (result != SLUICE_SOCK_REFUSED)
		return SLUICE_SOCK_ALLOW;
	bpf_set_retval(-ECONNREFUSED);
	return SLUICE_SOCK_REJECT;
}

/*
 * A connect() is reported as a translation event; sendmsg() is not, since
 * every datagram of an unconnected socket would be one.
 */
static __always_inline void __sluice_report(const struct bpf_sock_addr *ctx, const struct sluice_sockaddr *vip,
					    const struct sluice_sockaddr *backend)
{
	const struct sluice_service_value *svc = sluice_service_lookup(vip, (__u8)ctx->protocol);

	sluice_event_translation(vip->family, (__u8)ctx->protocol, vip->addr, vip->port, backend->addr,
				 backend->port, svc ? svc->service_id : 0);
}

static __always_inline int __sluice_forward4(struct bpf_sock_addr *ctx, int report)
{
	struct sluice_sockaddr dst, vip;
	enum sluice_sock_result result;

	sluice_sock_read4(ctx, &dst);
	vip = dst;
	result = sluice_sock_translate(ctx, &dst);
	if (result == SLUICE_SOCK_TRANSLATED) {
		sluice_sock_write4(ctx, &dst);
		if (report)
			__sluice_report(ctx, &vip, &dst);
	}
	return __sluice_sock_verdict(result);
}

static __always_inline int __sluice_forward6(struct bpf_sock_addr *ctx, int report)
{
	struct sluice_sockaddr dst, vip;
	enum sluice_sock_result result;
	int mapped;

	sluice_sock_read6(ctx, &dst, &mapped);
	vip = dst;
	result = sluice_sock_translate(ctx, &dst);
	if (result == SLUICE_SOCK_TRANSLATED) {
		sluice_sock_write6(ctx, &dst, mapped);
		if (report)
			__sluice_report(ctx, &vip, &dst);
	}
	return __sluice_sock_verdict(result);
}

/* recvmsg and getpeername may only rewrite; they always allow. */
static __always_inline int __sluice_backward4(struct bpf_sock_addr *ctx)
{
	struct sluice_sockaddr peer;

	sluice_sock_read4(ctx, &peer);
	if (sluice_sock_reverse(ctx, &peer))
		sluice_sock_write4(ctx, &peer);
	return SLUICE_SOCK_ALLOW;
}

static __always_inline int __sluice_backward6(struct bpf_sock_addr *ctx)
{
	struct sluice_sockaddr peer;
	int mapped;

	sluice_sock_read6(ctx, &peer, &mapped);
	if (sluice_sock_reverse(ctx, &peer))
		sluice_sock_write6(ctx, &peer, mapped);
	return SLUICE_SOCK_ALLOW;
}

SEC("cgroup/connect4")
int sluice_connect4(struct bpf_sock_addr *ctx)
{
	return __sluice_forward4(ctx, 1);
}

SEC("cgroup/connect6")
int sluice_connect6(struct bpf_sock_addr *ctx)
{
	return __sluice_forward6(ctx, 1);
}

SEC("cgroup/sendmsg4")
int sluice_sendmsg4(struct bpf_sock_addr *ctx)
{
	return __sluice_forward4(ctx, 0);
}

SEC("cgroup/sendmsg6")
int sluice_sendmsg6(struct bpf_sock_addr *ctx)
{
	return __sluice_forward6(ctx, 0);
}

SEC("cgroup/recvmsg4")
int sluice_recvmsg4(struct bpf_sock_addr *ctx)
{
	return __sluice_backward4(ctx);
}

SEC("cgroup/recvmsg6")
int sluice_recvmsg6(struct bpf_sock_addr *ctx)
{
	return __sluice_backward6(ctx);
}

SEC("cgroup/getpeername4")
int sluice_getpeername4(struct bpf_sock_addr *ctx)
{
	return __sluice_backward4(ctx);
}

SEC("cgroup/getpeername6")
int sluice_getpeername6(struct bpf_sock_addr *ctx)
{
	return __sluice_backward6(ctx);
}

_Static_assert(__builtin_strcmp(SLUICE_PROG_CONNECT4, "sluice_connect4") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_CONNECT6, "sluice_connect6") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_SENDMSG4, "sluice_sendmsg4") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_SENDMSG6, "sluice_sendmsg6") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_RECVMSG4, "sluice_recvmsg4") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_RECVMSG6, "sluice_recvmsg6") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_GETPEERNAME4, "sluice_getpeername4") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_GETPEERNAME6, "sluice_getpeername6") == 0, "program name");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
