/* The datapath's maps, declared once and pinned by name so every object and every agent shares them. */
#ifndef SLUICE_MAPS_H
#define SLUICE_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "abi_layout.h"

/*
 * libbpf pins a map under the name of its C variable, so each variable below
 * must be spelled exactly as its SLUICE_MAP_* string in abi.h; the asserts
 * after each declaration hold the two together.
 */
#define __SLUICE_SAME_NAME(var, abi_name) \
	_Static_assert(__builtin_strcmp(#var, abi_name) == 0, #var " must be named " abi_name)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_ENDPOINTS_MAX);
	__type(key, struct sluice_endpoint_key);
	__type(value, struct sluice_endpoint_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_ep_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_ep_v1, SLUICE_MAP_ENDPOINTS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_ENDPOINT_ADDRESSES_MAX);
	__type(key, struct sluice_endpoint_address_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_epa_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_epa_v1, SLUICE_MAP_ENDPOINT_ADDRESSES);

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_IPCACHE_MAX);
	__type(key, struct sluice_ipcache_key);
	__type(value, struct sluice_ipcache_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_ipc_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_ipc_v1, SLUICE_MAP_IPCACHE);

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_POLICY_MAX);
	__type(key, struct sluice_policy_key);
	__type(value, struct sluice_policy_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_pol_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_pol_v1, SLUICE_MAP_POLICY);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_CT_MAX);
	__type(key, struct sluice_ct_key);
	__type(value, struct sluice_ct_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_ct_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_ct_v1, SLUICE_MAP_CT);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_CT_OTHER_MAX);
	__type(key, struct sluice_ct_key);
	__type(value, struct sluice_ct_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_cto_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_cto_v1, SLUICE_MAP_CT_OTHER);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_FRAGMENTS_MAX);
	__type(key, struct sluice_fragment_key);
	__type(value, struct sluice_fragment_ports);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_frg_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_frg_v1, SLUICE_MAP_FRAGMENTS);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_METRICS_SLOTS);
	__type(key, __u32);
	__type(value, struct sluice_metrics_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_met_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_met_v1, SLUICE_MAP_METRICS);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sluice_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_cfg_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_cfg_v1, SLUICE_MAP_CONFIG);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SLUICE_POLICY_STATS_MAX);
	__type(key, struct sluice_policy_stats_key);
	__type(value, struct sluice_policy_stats_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_pst_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_pst_v1, SLUICE_MAP_POLICY_STATS);

/* ==== Events: the ring buffer to the agent and its per-CPU budget ==== */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SLUICE_EVENTS_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_evt_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_evt_v1, SLUICE_MAP_EVENTS);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sluice_event_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_evs_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_evs_v1, SLUICE_MAP_EVENT_STATE);

/* ==== Services: the socket load balancer's maps (layouts in abi.h) ==== */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_SERVICES_MAX);
	__type(key, struct sluice_service_key);
	__type(value, struct sluice_service_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_svc_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_svc_v1, SLUICE_MAP_SERVICES);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_BACKENDS_MAX);
	__type(key, __u32);
	__type(value, struct sluice_backend_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_be_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_be_v1, SLUICE_MAP_BACKENDS);

/*
 * The template of every Maglev table. BPF_F_INNER_MAP lets tables differ in
 * size; BPF_F_MMAPABLE lets the agent fill a new one with one copy.
 */
struct sluice_maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(max_entries, SLUICE_MAGLEV_MAX_PAIRS);
	__type(key, __u32);
	/* The pair's size: clang emits a struct reached only through this pointer as a bare
	 * declaration, whose size libbpf cannot find. */
	__type(value, __u64);
};
_Static_assert(sizeof(struct sluice_maglev_pair) == sizeof(__u64), "a Maglev table element is one pair");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SLUICE_SERVICES_MAX);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct sluice_maglev_table); /* a flexible array: must come last */
} sluice_mgl_v2 SEC(".maps");
__SLUICE_SAME_NAME(sluice_mgl_v2, SLUICE_MAP_MAGLEV);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_SERVICE_MEMBERS_MAX);
	__type(key, struct sluice_service_member_key);
	__type(value, struct sluice_service_member_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_sbe_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_sbe_v1, SLUICE_MAP_SERVICE_MEMBERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_SERVICES_MAX);
	__type(key, __u32);
	__type(value, struct sluice_table_stamp);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_mgs_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_mgs_v1, SLUICE_MAP_TABLE_STAMPS);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_AFFINITY_MAX);
	__type(key, struct sluice_affinity_key);
	__type(value, struct sluice_affinity_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_aff_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_aff_v1, SLUICE_MAP_AFFINITY);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_REVERSE_SOCK_MAX);
	__type(key, struct sluice_reverse_sock_key);
	__type(value, struct sluice_reverse_sock_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_rsk_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_rsk_v1, SLUICE_MAP_REVERSE_SOCK);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_SERVICES_MAX);
	__type(key, __u32);
	__type(value, struct sluice_service_metrics);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_svm_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_svm_v1, SLUICE_MAP_SERVICE_METRICS);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_BACKENDS_MAX);
	__type(key, __u32);
	__type(value, struct sluice_backend_metrics);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_bem_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_bem_v1, SLUICE_MAP_BACKEND_METRICS);
/* ==== end of Services ================================================== */

#endif /* SLUICE_MAPS_H */
