/* Object opening and libbpf log capture. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "CSluiceBPF.h"

struct bpf_object *sluice_object_open(const char *path, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	return bpf_object__open_file(path, &opts);
}

/* Keeps the newest bytes: the end of a verifier log is the useful part. */
static char log_buf[256 * 1024];
static size_t log_len;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[4096];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, args);
	if (n <= 0)
		return n;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (log_len + (size_t)n > sizeof(log_buf)) {
		size_t drop = log_len + (size_t)n - sizeof(log_buf);
		memmove(log_buf, log_buf + drop, log_len - drop);
		log_len -= drop;
	}
	memcpy(log_buf + log_len, line, (size_t)n);
	log_len += (size_t)n;
	return n;
}

void sluice_libbpf_capture_logs(void)
{
	libbpf_set_print(capture_print);
}

void sluice_libbpf_clear_log(void)
{
	log_len = 0;
}

size_t sluice_libbpf_copy_log(char *buf, size_t len)
{
	size_t n = log_len < len ? log_len : len;

	memcpy(buf, log_buf + (log_len - n), n);
	return n;
}

int sluice_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys,
			    void *values, uint32_t *count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	return bpf_map_lookup_batch(fd, in_batch, out_batch, keys, values, count, &opts);
}

int sluice_prog_test_run(int prog_fd, const void *data_in, uint32_t size_in,
			 void *data_out, uint32_t *size_out, uint32_t repeat,
			 uint32_t *retval, uint32_t *duration_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data_in,
		.data_size_in = size_in,
		.data_out = data_out,
		.data_size_out = size_out ? *size_out : 0,
		.repeat = repeat);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		return err;
	if (size_out)
		*size_out = opts.data_size_out;
	if (retval)
		*retval = opts.retval;
	if (duration_ns)
		*duration_ns = opts.duration;
	return 0;
}
