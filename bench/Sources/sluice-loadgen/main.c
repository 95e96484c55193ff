// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sluice-loadgen SUBCOMMAND [options]: the benchmark's server, clients and change watcher. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "loadgen.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "serve", lg_serve, "answer requests on the given ports until killed" },
	{ "crr", lg_crr, "connect, request, response, close, one connection after another" },
	{ "rr", lg_rr, "request/response latency over one persistent connection" },
	{ "bulk", lg_bulk, "stream over one connection; throughput as the server counted it" },
	{ "watch", lg_watch, "print when connections to a target start or stop getting through" },
};

int main(int argc, char **argv)
{
	/* A peer that resets mid-write must show up as an error, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
			if (strcmp(argv[1], subcommands[i].name) == 0)
				return subcommands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "usage: sluice-loadgen SUBCOMMAND [options]\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(stderr, "  %-6s %s\n", subcommands[i].name, subcommands[i].summary);
	return LG_EXIT_USAGE;
}
