/* Classic tc (clsact) attachment with a fixed handle and priority, so the
 * agent can replace its own filter atomically and remove only its own. */
#include <errno.h>

#include "CSluiceBPF.h"

static void fill_hook(struct bpf_tc_hook *hook, int ifindex, bool ingress)
{
	hook->ifindex = ifindex;
	hook->attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

int sluice_tc_attach(int ifindex, bool ingress, int prog_fd, uint32_t handle,
		     uint32_t priority, bool replace)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority,
		    .prog_fd = prog_fd, .flags = replace ? BPF_TC_F_REPLACE : 0);
	int err;

	fill_hook(&hook, ifindex, ingress);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int sluice_tc_detach(int ifindex, bool ingress, uint32_t handle, uint32_t priority)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);

	fill_hook(&hook, ifindex, ingress);
	return bpf_tc_detach(&hook, &opts);
}

int sluice_tc_query(int ifindex, bool ingress, uint32_t handle, uint32_t priority,
		    uint32_t *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
	int err;

	fill_hook(&hook, ifindex, ingress);
	err = bpf_tc_query(&hook, &opts);
	if (err)
		return err;
	if (prog_id)
		*prog_id = opts.prog_id;
	return 0;
}
