/* Maps a remote address to the identity that policy entries name. */
#ifndef SLUICE_IPCACHE_H
#define SLUICE_IPCACHE_H

#include "maps.h"
#include "parse.h"

/* The identity of `addr`; addresses the agent never described are WORLD. */
static __always_inline __u32 sluice_ipcache_identity(__u8 family, const __u8 *addr)
{
	struct sluice_ipcache_key key = {
		.prefixlen = SLUICE_IPCACHE_PREFIX_BASE + (family == SLUICE_FAMILY_IPV4 ? 32 : 128),
		.family = family,
	};
	const struct sluice_ipcache_value *value;

	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	value = bpf_map_lookup_elem(&sluice_ipc_v1, &key);
	if (!value || value->identity == SLUICE_IDENTITY_UNKNOWN)
		return SLUICE_IDENTITY_WORLD;
	return value->identity;
}

#endif /* SLUICE_IPCACHE_H */
