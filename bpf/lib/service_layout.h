/* Field offsets of abi.h's Services structs, pinned here and in Tests/ServiceDatapathTests/ServiceABILayoutTests.swift. */
#ifndef SLUICE_SERVICE_LAYOUT_H
#define SLUICE_SERVICE_LAYOUT_H

#include <sluice/abi.h>

#define __SLUICE_SVC_AT(type, field, offset) \
	_Static_assert(__builtin_offsetof(struct type, field) == (offset), #type "." #field)

__SLUICE_SVC_AT(sluice_service_key, addr, 0);
__SLUICE_SVC_AT(sluice_service_key, port, 16);
__SLUICE_SVC_AT(sluice_service_key, protocol, 18);
__SLUICE_SVC_AT(sluice_service_key, family, 19);
__SLUICE_SVC_AT(sluice_service_value, service_id, 0);
__SLUICE_SVC_AT(sluice_service_value, flags, 4);
__SLUICE_SVC_AT(sluice_service_value, affinity_timeout_s, 8);
__SLUICE_SVC_AT(sluice_service_value, table_size, 12);

__SLUICE_SVC_AT(sluice_backend_value, addr, 0);
__SLUICE_SVC_AT(sluice_backend_value, port, 16);
__SLUICE_SVC_AT(sluice_backend_value, family, 18);
__SLUICE_SVC_AT(sluice_backend_value, pad, 19);

__SLUICE_SVC_AT(sluice_service_member_key, service_id, 0);
__SLUICE_SVC_AT(sluice_service_member_key, backend_id, 4);
__SLUICE_SVC_AT(sluice_service_member_value, state, 0);
__SLUICE_SVC_AT(sluice_service_member_value, weight, 4);
__SLUICE_SVC_AT(sluice_table_stamp, digest, 0);
__SLUICE_SVC_AT(sluice_table_stamp, map_id, 8);
__SLUICE_SVC_AT(sluice_table_stamp, pad, 12);

__SLUICE_SVC_AT(sluice_affinity_key, client, 0);
__SLUICE_SVC_AT(sluice_affinity_key, service_id, 16);
__SLUICE_SVC_AT(sluice_affinity_key, kind, 20);
__SLUICE_SVC_AT(sluice_affinity_key, pad, 21);
__SLUICE_SVC_AT(sluice_affinity_value, last_used_ns, 0);
__SLUICE_SVC_AT(sluice_affinity_value, backend_id, 8);
__SLUICE_SVC_AT(sluice_affinity_value, pad, 12);

__SLUICE_SVC_AT(sluice_reverse_sock_key, cookie, 0);
__SLUICE_SVC_AT(sluice_reverse_sock_key, addr, 8);
__SLUICE_SVC_AT(sluice_reverse_sock_key, port, 24);
__SLUICE_SVC_AT(sluice_reverse_sock_key, family, 26);
__SLUICE_SVC_AT(sluice_reverse_sock_key, pad, 27);
__SLUICE_SVC_AT(sluice_reverse_sock_value, addr, 0);
__SLUICE_SVC_AT(sluice_reverse_sock_value, port, 16);
__SLUICE_SVC_AT(sluice_reverse_sock_value, family, 18);
__SLUICE_SVC_AT(sluice_reverse_sock_value, pad, 19);
__SLUICE_SVC_AT(sluice_reverse_sock_value, service_id, 20);

__SLUICE_SVC_AT(sluice_service_metrics, connections, 0);
__SLUICE_SVC_AT(sluice_service_metrics, no_backend, 8);
__SLUICE_SVC_AT(sluice_backend_metrics, connections, 0);

#endif /* SLUICE_SERVICE_LAYOUT_H */
