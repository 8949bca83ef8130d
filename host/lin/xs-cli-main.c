/*
 * The process entry for `mcconfig -p x-cli-lin`: that target links the XS engine and the
 * prepared modules (mc.xs.c) but leaves main() to the app. This one makes a machine from the
 * preparation xsl wrote, imports the "main" module (build/lin/main.js, which runs the virtual
 * rig to the end in virtual time) and exits 0, or 1 with the exception's text. No event loop
 * is needed: nothing in the lin entry waits on a real timer. The arguments after the
 * program's name are the global `scriptArgs` (an array of strings, empty without any), so one
 * binary serves every run of `npm run bench:device` (host/lin/bench-device.ts reads them).
 *
 * The machine runs on a thread of its own (8 MB of stack, as the main thread's default), not
 * on the main thread: XS asks for its C stack limit (fxCStackLimit in xsCommon.c) each time it
 * compiles a RegExp, and on Linux that is pthread_getattr_np, which for the main thread reads
 * and parses /proc/self/maps - about 1.4 million instructions a call, more than the rest of a
 * signed command together. For any other thread glibc answers from what it stored. The ESP32
 * asks FreeRTOS (vTaskGetInfo), a few hundred instructions, so instruction counts taken here
 * (npm run bench:device) would otherwise carry a cost the device does not have.
 */

#include "xsAll.h"
#include "mc.xs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MACHINE_STACK_BYTES (8 * 1024 * 1024)

static int gArgc;
static char **gArgv;
static int gStatus = 0;

void fxAbort(xsMachine *the, int status)
{
	fprintf(stderr, "### XS aborted (status %d)\n", status);
	exit(2);
}

static void *runMachine(void *unused)
{
	xsMachine *machine = xsPrepareMachine(NULL, xsPreparation(), "pump", NULL, NULL);
	if (machine == NULL) {
		fprintf(stderr, "### could not create the XS machine\n");
		gStatus = 2;
		return NULL;
	}
	xsBeginHost(machine);
	{
		xsTry {
			int i;
			xsVars(1);
			xsVar(0) = xsNewArray(0);
			for (i = 1; i < gArgc; i++)
				xsSetAt(xsVar(0), xsInteger(i - 1), xsString(gArgv[i]));
			xsSet(xsGlobal, xsID("scriptArgs"), xsVar(0));
			xsAwaitImport("main", XS_IMPORT_NAMESPACE);
		}
		xsCatch {
			fprintf(stderr, "### %s\n", xsToString(xsException));
			gStatus = 1;
		}
	}
	xsEndHost(machine);
	xsDeleteMachine(machine);
	return NULL;
}

int main(int argc, char *argv[])
{
	pthread_attr_t attrs;
	pthread_t thread;
	gArgc = argc;
	gArgv = argv;
	if (pthread_attr_init(&attrs) != 0 || pthread_attr_setstacksize(&attrs, MACHINE_STACK_BYTES) != 0 || pthread_create(&thread, &attrs, runMachine, NULL) != 0) {
		fprintf(stderr, "### could not start the machine's thread\n");
		return 2;
	}
	pthread_attr_destroy(&attrs);
	pthread_join(thread, NULL);
	return gStatus;
}
