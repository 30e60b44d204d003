/* bt_heap.c - the memory a burst of writes freed, handed back once the
 * burst is over.
 *
 * A write allocates and frees on whichever thread of slapd's pool serves
 * it (the entry and its versions, the snapshot's encoding, the integrity
 * checks of the overlays above, LMDB's pages), and glibc gives each such
 * thread an arena of its own; free() hands pages back only from the top
 * of an arena.  After many writes (an import over LDAP, a replay of
 * history, a reorganisation) every writer thread's arena keeps megabytes
 * that nothing uses: at 25,000 employees, after the five years of history
 * replayed (tests/bench/heap.sh), three writer arenas held 31 MiB for 12
 * MiB in use.  Nothing marks the end of such a burst, so the activation
 * task, which runs every second anyway, looks at the count of committed
 * writes (bt_write_gen, as bt_view_generation reads it): once it has not
 * moved for BT_HEAP_QUIET seconds and moved by at least BT_HEAP_WRITES
 * since the last time, the freed memory goes back (modir_heap_release).
 * Never while writes go on: each would pay the page faults of memory
 * given back and taken again; and not for a trickle of single writes,
 * which leave little behind.  (bt_view_generation is not called: it is
 * bt_write.c's, which calls into the activation task.)
 */
#include "portable.h"

#include "slap.h"

#include "modir.h"
#include "bitemporal.h"

#define BT_HEAP_QUIET	2		/* seconds without a write */
#define BT_HEAP_WRITES	256		/* writes since the last hand-back */

void
bt_heap_after_writes( bt_info *bi )
{
	unsigned long gen = __atomic_load_n( &bi->bt_write_gen, __ATOMIC_ACQUIRE );
	time_t now = slap_get_time();

	if ( gen != bi->bt_heap_seen ) {
		bi->bt_heap_seen = gen;
		bi->bt_heap_since = now;
		return;
	}
	if ( gen - bi->bt_heap_released < BT_HEAP_WRITES || now - bi->bt_heap_since < BT_HEAP_QUIET )
		return;
	bi->bt_heap_released = gen;
	modir_heap_release();
	Debug( LDAP_DEBUG_STATS, "bitemporal: writes are quiet, freed memory handed back\n" );
}
