/* skip_fini.c - preloaded with the sanitizer runtimes into slapd and its
 * tools (tests/run.sh, sanitizer builds only).
 *
 * With libasan preloaded, Debian's slapd and slap* tools deadlock at exit:
 * a library destructor of libp11-kit (pulled in by GnuTLS) calls
 * freelocale() and waits forever on glibc's locale lock - even without
 * modir loaded.  This shim wraps the program's main() to register an
 * on_exit() handler once the C library has registered its own
 * destructor-running handler, so ours runs first: it flushes stdio and
 * leaves with the same status, skipping the library destructors.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*main_fn)( int, char **, char ** );
static main_fn real_main;

static void
leave_now( int status, void *arg )
{
	(void)arg;
	fflush( NULL );
	_exit( status );
}

static int
wrapped_main( int argc, char **argv, char **envp )
{
	on_exit( leave_now, NULL );
	return real_main( argc, argv, envp );
}

int
__libc_start_main( main_fn main, int argc, char **argv, void ( *init )( void ),
	void ( *fini )( void ), void ( *rtld_fini )( void ), void *stack_end )
{
	int ( *real )( main_fn, int, char **, void ( * )( void ), void ( * )( void ),
		void ( * )( void ), void * ) = dlsym( RTLD_NEXT, "__libc_start_main" );

	real_main = main;
	return real( wrapped_main, argc, argv, init, fini, rtld_fini, stack_end );
}
