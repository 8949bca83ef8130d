/*
 * The same module for the SDK's Linux target (x-cli-lin): the kernel's CSPRNG through
 * getrandom(2) with no flags, which blocks only until the kernel's pool was first seeded
 * after boot and then never fails short for requests of up to 256 bytes (getrandom(2)).
 * Longer requests are looped; EINTR is retried. host/lin/entropy-check.ts runs it.
 */

#include "xsmc.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

void xs_entropy_fill(xsMachine *the)
{
	void *data;
	xsUnsignedValue count, done = 0;
	xsmcGetBufferWritable(xsArg(0), &data, &count);
	while (done < count) {
		size_t want = count - done;
		ssize_t got = getrandom((char *)data + done, want > 256 ? 256 : want, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			xsUnknownError("getrandom: %s", strerror(errno));
		}
		done += (xsUnsignedValue)got;
	}
}

void xs_entropy_source(xsMachine *the)
{
	xsmcSetString(xsResult, "getrandom(2)");
}
