/* Route lookup over rtnetlink, so the agent finds a pod's host interface
 * without /sys/class/net (which lies inside `ip netns exec`). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "CSluiceBPF.h"

struct route_request {
	struct nlmsghdr nh;
	struct rtmsg rt;
	char attrs[64];
};

static int build_request(struct route_request *req, int family, const void *addr)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct rtattr *rta;

	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req->nh.nlmsg_type = RTM_GETROUTE;
	req->nh.nlmsg_flags = NLM_F_REQUEST;
	req->nh.nlmsg_seq = 1;
	req->rt.rtm_family = family;
	req->rt.rtm_dst_len = alen * 8;
	rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));
	rta->rta_type = RTA_DST;
	rta->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), addr, alen);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return 0;
}

static int parse_oif(const char *buf, ssize_t len)
{
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;

	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			return e->error ? e->error : -ENOENT;
		}
		if (nh->nlmsg_type != RTM_NEWROUTE)
			continue;
		const struct rtmsg *rt = NLMSG_DATA(nh);
		int alen = RTM_PAYLOAD(nh);
		int oif = -ENOENT;
		for (const struct rtattr *rta = RTM_RTA(rt); RTA_OK(rta, alen);
		     rta = RTA_NEXT(rta, alen)) {
			/* Via a gateway means not a local pod: never claim that interface. */
			if (rta->rta_type == RTA_GATEWAY || rta->rta_type == RTA_VIA)
				return -EHOSTUNREACH;
			if (rta->rta_type == RTA_OIF)
				oif = *(const int *)RTA_DATA(rta);
		}
		return oif;
	}
	return -ENOENT;
}

int sluice_route_oif(int family, const void *addr)
{
	struct route_request req;
	char buf[8192];
	ssize_t n;
	int fd, ret;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	build_request(&req, family, addr);
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	ret = n < 0 ? -errno : parse_oif(buf, n);
out:
	close(fd);
	return ret;
}

int sluice_eventfd(unsigned int initval, int flags)
{
	return eventfd(initval, flags);
}

int sluice_enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}
