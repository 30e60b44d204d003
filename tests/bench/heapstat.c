/* heapstat.c - glibc's heap statistics of a running slapd, without ptrace
 * (tests/bench/heap.sh; a measurement, not part of the module).
 *
 * Why: heap.sh read malloc_stats() by calling it from gdb; on this VM's
 * kernel a thread of slapd that gdb interrupted in a futex wait aborts
 * after the detach ("The futex facility returned an unexpected error
 * code"), so the measurement killed the server it measured.  Preloaded
 * (LD_PRELOAD), this starts one thread that waits on a named pipe
 * ($HEAPSTAT_FIFO) and, per line read, does what it names, then writes
 * "done" to $HEAPSTAT_FIFO.done:
 *   stats   malloc_stats() (to stderr: per arena, system and in-use bytes)
 *   trim    malloc_trim(0), then the same: what freed memory the arenas keep
 *   info    malloc_info() (XML, to stderr: free blocks by size, per arena)
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

/* open, read and write only: a thread's first malloc would give it an
 * arena of its own, and the figures would count it */
static void *
serve( void *arg )
{
	const char *fifo = arg;
	char done[4096], line[256];
	ssize_t n;
	int in, out;

	snprintf( done, sizeof( done ), "%s.done", fifo );
	for ( ;; ) {
		if ( ( in = open( fifo, O_RDONLY ) ) < 0 ) return NULL;
		while ( ( n = read( in, line, sizeof( line ) - 1 ) ) > 0 ) {
			line[n] = '\0';
			if ( !strncmp( line, "trim", 4 ) ) malloc_trim( 0 );
			if ( !strncmp( line, "info", 4 ) ) malloc_info( 0, stderr );
			else malloc_stats();
			if ( ( out = open( done, O_WRONLY ) ) >= 0 ) {
				if ( write( out, "done\n", 5 ) < 0 ) { /* the reader went away */ }
				close( out );
			}
		}
		close( in );
	}
	return NULL;
}

__attribute__(( constructor )) static void
heapstat_start( void )
{
	const char *fifo = getenv( "HEAPSTAT_FIFO" );
	pthread_attr_t a;
	pthread_t t;
	sigset_t all, old;

	if ( !fifo ) return;
	pthread_attr_init( &a );
	pthread_attr_setdetachstate( &a, PTHREAD_CREATE_DETACHED );
	pthread_attr_setstacksize( &a, 64 * 1024 );
	/* slapd's signals (shutdown, wake) go to its own threads */
	sigfillset( &all );
	pthread_sigmask( SIG_SETMASK, &all, &old );
	pthread_create( &t, &a, serve, strdup( fifo ) );
	pthread_sigmask( SIG_SETMASK, &old, NULL );
	pthread_attr_destroy( &a );
}
