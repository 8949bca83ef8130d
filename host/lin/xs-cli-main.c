/*
 * The process entry for `mcconfig -p x-cli-lin`: that target links the XS engine and the
 * prepared modules (mc.xs.c) but leaves main() to the app. This one makes a machine from the
 * preparation xsl wrote, imports the "main" module (build/lin/main.js, which runs the virtual
 * rig to the end in virtual time) and exits 0, or 1 with the exception's text. No event loop
 * is needed: nothing in the lin entry waits on a real timer.
 */

#include "xsAll.h"
#include "mc.xs.h"

#include <stdio.h>
#include <stdlib.h>

void fxAbort(xsMachine *the, int status)
{
	fprintf(stderr, "### XS aborted (status %d)\n", status);
	exit(2);
}

int main(int argc, char *argv[])
{
	int status = 0;
	xsMachine *machine = xsPrepareMachine(NULL, xsPreparation(), "pump", NULL, NULL);
	if (machine == NULL) {
		fprintf(stderr, "### could not create the XS machine\n");
		return 2;
	}
	xsBeginHost(machine);
	{
		xsTry {
			xsAwaitImport("main", XS_IMPORT_NAMESPACE);
		}
		xsCatch {
			fprintf(stderr, "### %s\n", xsToString(xsException));
			status = 1;
		}
	}
	xsEndHost(machine);
	xsDeleteMachine(machine);
	return status;
}
