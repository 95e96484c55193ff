/* Fragments after a datagram's first carry no transport header: they take the ports the first one had. */
#ifndef SLUICE_FRAGMENT_H
#define SLUICE_FRAGMENT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "maps.h"
#include "parse.h"

static __always_inline void __sluice_fragment_key(const struct sluice_flow *flow, struct sluice_fragment_key *key)
{
	__builtin_memcpy(key->saddr, flow->saddr, sizeof(key->saddr));
	__builtin_memcpy(key->daddr, flow->daddr, sizeof(key->daddr));
	key->id = flow->fragment_id;
	key->protocol = flow->protocol;
	key->family = flow->family;
}

/*
 * Remembers a first fragment's ports, and gives a later fragment of the same
 * datagram those ports, so it follows the first one's flow and verdict. A
 * fragment whose first one was not seen stays portless. TCP is left out:
 * its state tracking reads flags a later fragment does not have, and TCP
 * sets DF so as not to be fragmented. A first fragment always holds the
 * ports: fragments are cut at 8-byte multiples, and UDP's header is 8 bytes.
 */
static __always_inline void sluice_fragment_ports(struct sluice_flow *flow)
{
	struct sluice_fragment_key key = {};
	struct sluice_fragment_ports ports = {};
	const struct sluice_fragment_ports *first;

	if (!(flow->is_fragment || flow->is_first_fragment) || flow->protocol == IPPROTO_TCP || flow->is_icmp_error)
		return;
	__sluice_fragment_key(flow, &key);
	if (flow->is_first_fragment) {
		ports.sport = flow->sport;
		ports.dport = flow->dport;
		bpf_map_update_elem(&sluice_frg_v1, &key, &ports, BPF_ANY);
		return;
	}
	first = bpf_map_lookup_elem(&sluice_frg_v1, &key);
	if (!first)
		return;
	flow->sport = first->sport;
	flow->dport = first->dport;
	flow->is_fragment = 0;
}

#endif /* SLUICE_FRAGMENT_H */
