/* Service lookup and backend choice: frontend -> (affinity | Maglev slot) -> backend, with counters. */
#ifndef SLUICE_SERVICE_H
#define SLUICE_SERVICE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "maps.h"
#include "service_layout.h"

#define SLUICE_NS_PER_SECOND 1000000000ULL

/* An address with its port and family, as keys and values lay them out. */
struct sluice_sockaddr {
	__u8   addr[16]; /* IPv4 in addr[0..3], rest zero */
	__be16 port;
	__u8   family;   /* enum sluice_family */
};

/* The frontend `dst` names for `protocol`, or NULL when it is no service. */
static __always_inline const struct sluice_service_value *
sluice_service_lookup(const struct sluice_sockaddr *dst, __u8 protocol)
{
	struct sluice_service_key key = {
		.port = dst->port,
		.protocol = protocol,
		.family = dst->family,
	};

	__builtin_memcpy(key.addr, dst->addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&sluice_svc_v1, &key);
}

/* splitmix64's finalizer: spreads a socket cookie over all 32 bits. */
static __always_inline __u32 sluice_hash64(__u64 value)
{
	value ^= value >> 30;
	value *= 0xbf58476d1ce4e5b9ULL;
	value ^= value >> 27;
	value *= 0x94d049bb133111ebULL;
	value ^= value >> 31;
	return (__u32)value;
}

/* The backend id in slot `hash % table_size` of the service's Maglev table; 0 when none. */
static __always_inline __u32 __sluice_maglev_pick(const struct sluice_service_value *svc, __u32 hash)
{
	__u32 service_id = svc->service_id;
	const struct sluice_maglev_pair *pair;
	__u32 slot, index;
	void *table;

	if (!svc->table_size)
		return 0;
	table = bpf_map_lookup_elem(&sluice_mgl_v2, &service_id);
	if (!table)
		return 0;
	slot = hash % svc->table_size;
	index = slot / 2;
	pair = bpf_map_lookup_elem(table, &index);
	return pair ? pair->backend_id[slot & 1] : 0;
}

/* True while `backend_id` takes new flows of the service (an affinity may keep pointing at it). */
static __always_inline int __sluice_member_active(__u32 service_id, __u32 backend_id)
{
	struct sluice_service_member_key key = { .service_id = service_id, .backend_id = backend_id };
	const struct sluice_service_member_value *member;

	member = bpf_map_lookup_elem(&sluice_sbe_v1, &key);
	return member && member->state == SLUICE_MEMBER_ACTIVE;
}

/*
 * The backend a new flow of the service goes to: the client's affinity when
 * the service has ClientIP affinity and the client connected within the
 * timeout to a backend still active, else the Maglev slot of `hash` (and
 * that becomes the affinity). 0 when no backend takes new flows.
 */
static __always_inline __u32 sluice_service_pick(const struct sluice_service_value *svc, __u32 hash,
						 const struct sluice_affinity_key *client)
{
	struct sluice_affinity_value *affinity;
	struct sluice_affinity_value fresh = {};
	__u64 now, timeout_ns;
	__u32 backend_id;

	if (!(svc->flags & SLUICE_SVC_AFFINITY))
		return __sluice_maglev_pick(svc, hash);

	now = bpf_ktime_get_ns();
	timeout_ns = (__u64)svc->affinity_timeout_s * SLUICE_NS_PER_SECOND;
	affinity = bpf_map_lookup_elem(&sluice_aff_v1, client);
	/* Stamped by another CPU after `now` was read: fresh, not expired by wrap-around. */
	if (affinity && (now <= affinity->last_used_ns || now - affinity->last_used_ns <= timeout_ns) &&
	    __sluice_member_active(svc->service_id, affinity->backend_id)) {
		affinity->last_used_ns = now;
		return affinity->backend_id;
	}
	backend_id = __sluice_maglev_pick(svc, hash);
	if (!backend_id)
		return 0;
	fresh.last_used_ns = now;
	fresh.backend_id = backend_id;
	bpf_map_update_elem(&sluice_aff_v1, client, &fresh, BPF_ANY);
	return backend_id;
}

static __always_inline const struct sluice_backend_value *sluice_backend_of(__u32 backend_id)
{
	return bpf_map_lookup_elem(&sluice_be_v1, &backend_id);
}

/* Per-CPU slots: no other CPU writes them, plain adds are enough. */
static __always_inline void sluice_service_count(__u32 service_id, __u32 backend_id)
{
	struct sluice_service_metrics *svc = bpf_map_lookup_elem(&sluice_svm_v1, &service_id);
	struct sluice_backend_metrics *be = bpf_map_lookup_elem(&sluice_bem_v1, &backend_id);

	if (backend_id) {
		if (svc)
			svc->connections += 1;
		if (be)
			be->connections += 1;
	} else if (svc) {
		svc->no_backend += 1;
	}
}

#endif /* SLUICE_SERVICE_H */
