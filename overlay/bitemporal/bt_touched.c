/* bt_touched.c - what changed since a read snapshot.
 *
 * A cache over the history (slapo-oio's entities at a point, and what
 * refers to them) keeps what it read from one read snapshot and must
 * learn when an entity's versions, or the entities that refer to it,
 * change after it.  Every write of a version records its write
 * transaction's ID in the slot of bt_touched that the entity's UUID
 * picks, and every new entry of the reference index the same in the slot
 * of bt_touched_refs that the target picks (and every new name under a
 * parent in the parent's: its children are what refers to it by DN); two
 * entities in one slot only make each other look changed.
 * The ID is recorded inside the write transaction, before the commit: a
 * snapshot taken before the commit is older than that ID (LMDB gives a
 * write transaction the ID after the last committed one, and a nested
 * transaction its parent's), so what was read from it counts as changed;
 * a write that is aborted leaves an ID that the snapshots after it
 * already reach, which costs nothing. */
#include "portable.h"

#include "slap.h"

#include "bitemporal.h"

bt_slot
bt_touch_slot( const bt_uuid *u )
{
	uint32_t h = 2166136261u;
	int i;

	for ( i = 0; i < BT_UUID_LEN; i++ ) h = ( h ^ u->u[i] ) * 16777619u;
	return h & ( BT_TOUCH_SLOTS - 1 );
}

/* slot takes id unless it holds a later one already */
static void
slot_raise( size_t *slot, size_t id )
{
	size_t seen = __atomic_load_n( slot, __ATOMIC_RELAXED );

	while ( seen < id && !__atomic_compare_exchange_n( slot, &seen, id, 0,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED ) )
		;
}

/* whether a snapshot id (0: none) is no older than what slot holds */
static int
slot_reached( size_t *slot, size_t id )
{
	return id && __atomic_load_n( slot, __ATOMIC_ACQUIRE ) <= id;
}

void
bt_touch( bt_info *bi, MDB_txn *txn, const bt_uuid *u )
{
	slot_raise( &bi->bt_touched[bt_touch_slot( u )], mdb_txn_id( txn ) );
}

/* The same for the referrers of an entity (bt_touched_refs): a new entry
 * in the reference index under target (by attribute, or by class). */
void
bt_refs_touch( bt_info *bi, MDB_txn *txn, const bt_uuid *target )
{
	slot_raise( &bi->bt_touched_refs[bt_touch_slot( target )], mdb_txn_id( txn ) );
}

int
bt_refs_unchanged_since( bt_info *bi, const bt_uuid *target, size_t id )
{
	return slot_reached( &bi->bt_touched_refs[bt_touch_slot( target )], id );
}

size_t
bt_snapshot_id( MDB_txn *txn )
{
	return modir_mdb_txn_rdonly( txn ) ? mdb_txn_id( txn ) : 0;
}

int
bt_unchanged_since( bt_info *bi, const bt_uuid *u, size_t id )
{
	return slot_reached( &bi->bt_touched[bt_touch_slot( u )], id );
}

int
bt_slot_unchanged_since( bt_info *bi, bt_slot slot, size_t id )
{
	size_t *slots = slot & BT_SLOT_REFS ? bi->bt_touched_refs : bi->bt_touched;

	return slot_reached( &slots[slot & ( BT_TOUCH_SLOTS - 1 )], id );
}

