// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <malloc.h>

#include "CSluiceBPF.h"

int sluice_malloc_trim(void)
{
	return malloc_trim(0);
}
