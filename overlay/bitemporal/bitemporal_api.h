/* bitemporal_api.h - what the other overlays of the module (slapo-oio,
 * later events and audit) may use of the bitemporal overlay, and all they
 * may include of it.
 *
 * The history is read through the functions below, in a read transaction
 * from bt_read_begin() (the operation's own, when it has one).  The
 * overlay's state is opaque (bt_info); what a caller needs of it has a
 * function.  Everything else (bitemporal.h) is the overlay's own.
 *
 * Return conventions, one per layer (the same in bitemporal.h):
 *  - the store and the history (reading and writing rows, names, due
 *    activations, transactions: every function given an MDB_txn or
 *    bt_info to read with) return an LMDB code: 0, MDB_NOTFOUND when
 *    there is nothing, another MDB_* code or an errno for an error the
 *    caller must not take for "nothing" (MDB_CORRUPTED: a stored value
 *    or chain that cannot be decoded or followed).  An answer that is
 *    not a code (found or not, a count) goes through an out-parameter.
 *    What a caller does with such an error is never what it does with
 *    MDB_NOTFOUND or an empty answer, and never a rule skipped: a write
 *    is refused with other (80), a specific text and nothing stored; a
 *    read ends with other (80), never with fewer entries or an entry
 *    shown as absent or hidden; an access decision that cannot be made
 *    refuses the operation.  A candidate that cannot be read (a name's
 *    holder, a referrer, a parent) may be the one that matters;
 *  - the operation layer (bi_op_* handlers, the write path, the checks
 *    done on an operation) returns an LDAP result code, the result sent or
 *    to be sent, or SLAP_CB_CONTINUE where slapd's overlay protocol wants
 *    it;
 *  - booleans are 0 or 1, and named as questions (bt_is_*, bt_has_*,
 *    bt_may_*, ..._failed);
 *  - helpers that neither read the store nor answer an operation
 *    (parsers, codecs, bt_entry_uuid) return 0, or -1 when the input is
 *    malformed;
 *  - lifecycle functions (db_init/open/close and what they call:
 *    bt_store_open, bt_bootstrap, bt_activation_start) follow slapd's
 *    backend protocol: 0, or non-zero with the reason logged or in cr;
 *  - a callback's return value is documented where its type is.
 */
#ifndef BITEMPORAL_API_H
#define BITEMPORAL_API_H

#include "lmdb.h"
#include "bt_time.h"
#include "bt_types.h"	/* bt_uuid, bt_opkind */

typedef struct bt_info bt_info;

extern const char *const bt_opkind_names[];

/* One version, as read from the store.  The berval members point into a
 * private copy of the stored value (rw_buf), never into the LMDB map. */
typedef struct bt_row {
	bt_uuid uuid;
	bt_period valid;
	bt_time recorded, superseded;
	uint32_t seq;
	bt_opkind op;
	bt_uuid parent;			/* all-zero: a root (DN kept whole) */
	struct berval actor;	/* authz DN of the writer */
	struct berval changed;	/* space-separated attribute names changed */
	struct berval blob;		/* entry_encode() of the snapshot */
	char *rw_buf;			/* owns the above; ch_malloc'd */
} bt_row;

typedef struct bt_rows {
	bt_row *r;
	int n, max;
} bt_rows;
/* bt_computed.c: attributes whose values are functions of other entries'
 * histories.  They are left out of every stored version (the history
 * holds an entry's own facts), a modify of nothing else changes the live
 * entry only, and reads of the past get them from whoever registered them
 * (a bt_fixup), computed for the point shown. */
/* ad is computed on the entries of class oc (on others it is a fact) */
void bt_computed_add( bt_info *bi, AttributeDescription *ad, ObjectClass *oc );
/* The overlay that computes them marks its writes of derived values with
 * an OpExtra under bt_derived_key: they change the live entry alone. */
extern int bt_derived_key;
/* An overlay's own writes are recorded under its documented name, not
 * under the identity it runs them with (the rootdn): it hangs a bt_actor
 * on the operation's o_extra under bt_actor_key. */
typedef struct bt_actor {
	OpExtra oe;
	struct berval ndn;
} bt_actor;
extern int bt_actor_key;
#define BT_ACTOR_OIO "cn=oio,cn=modir"	/* slapo-oio(5): its cascades */

/* A write that named its entry by a name it had at another time (allowed:
 * a dated write resolves the DN in the timeline) reached the live entry
 * under its present name.  While the result is sent, the operation carries
 * that name under bt_resolved_key, so that the overlays above that follow
 * the live DIT (slapo-oio's model) follow the entry, not the DN the
 * client sent. */
typedef struct bt_resolved {
	OpExtra oe;
	struct berval dn, ndn;
} bt_resolved;
extern int bt_resolved_key;
/* Operational attributes (bt_control.c) */
extern AttributeDescription *bt_ad_validFrom, *bt_ad_validTo,
	*bt_ad_recordedAt, *bt_ad_recordedBy, *bt_ad_supersededAt,
	*bt_ad_versionOp, *bt_ad_changedAttributes, *bt_ad_activationError;

/* Controls (bt_control.c) */
extern int bt_validity_cid, bt_asof_cid, bt_history_cid;
int bt_controls_register( void );
#define bt_validity_of(op) ((bt_validity *)(op)->o_controls[bt_validity_cid])
#define bt_asof_of(op)     ((bt_asof *)(op)->o_controls[bt_asof_cid])
#define bt_has_ctrl(op, cid) ((op)->o_ctrlflag[cid] > SLAP_CONTROL_IGNORED)
/* Gives an internal write the validity v (not copied: it must outlive the
 * operation), as a client's validity control gives it to a write: the
 * write path reads nothing else.  op->o_controls must be the operation's
 * own array of SLAP_MAX_CIDS slots, not the client's. */
void bt_op_set_validity( Operation *op, bt_validity *v );
typedef struct bt_reader {
	MDB_txn *txn;
	int owned;
	Operation *op;
	void *moi;
} bt_reader;
int bt_read_begin( bt_info *bi, Operation *op, bt_reader *rd );
void bt_read_end( bt_reader *rd );
void bt_row_free( bt_row *r );
void bt_rows_free( bt_rows *rs );
int bt_row_at( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_time valid_at, bt_time known_at, bt_row *out );
/* bt_row_at() for a cache over the history: also *span, the part of
 * valid time around valid_at in which u's answer is the same (the version
 * out, or none: MDB_NOTFOUND), and *newest, the latest registration time
 * among u's versions (recorded, or superseded).  The answer is the one
 * known now, and can serve any read with known_at >= *newest, when
 * known_at >= *newest. */
int bt_row_at_span( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_time valid_at, bt_time known_at, bt_row *out, bt_period *span,
	bt_time *newest );
/* What changed since a read snapshot (bt_store.c).  bt_snapshot_id: the
 * ID of txn's snapshot if txn is read-only, else 0 (a write transaction
 * shows what may still be aborted: nothing read in it may be kept).
 * bt_unchanged_since: whether no version of u has been written by a
 * transaction after snapshot id (a boolean that may say "changed" of an
 * entity that was not, never the other way round). */
size_t bt_snapshot_id( MDB_txn *txn );
int bt_unchanged_since( bt_info *bi, const bt_uuid *u, size_t id );
/* ... and whether nothing new has come to refer to target since (an
 * entity whose version names it, by attribute or by class: what
 * bt_refs_get and bt_refs_get_class return; or a name registered under
 * it: what bt_names_children returns) */
int bt_refs_unchanged_since( bt_info *bi, const bt_uuid *target, size_t id );
/* The same by slot, for a cache of values computed from many entities:
 * it keeps the slot each one's writes are recorded in (bt_touch_slot: 2
 * bytes where a UUID takes 16), with BT_SLOT_REFS set for what refers to
 * one, and asks bt_slot_unchanged_since. */
#define BT_SLOT_BITS	15
#define BT_SLOT_REFS	( 1u << BT_SLOT_BITS )
typedef uint16_t bt_slot;
bt_slot bt_touch_slot( const bt_uuid *u );
int bt_slot_unchanged_since( bt_info *bi, bt_slot slot, size_t id );
int bt_rows_current( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_period within, bt_rows *out );
int bt_row_entry( bt_row *r, Entry **e );
int bt_row_entry_ro( bt_row *r, Entry **e );
/* entry_free() of an entry bt_row_entry_ro decoded, keeping its block for
 * the thread's next decode */
void bt_entry_release( Entry *e );
typedef int (bt_child_fn)( const bt_uuid *u, struct berval *nrdn, void *arg );
int bt_names_children( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	bt_child_fn *fn, void *arg );
int bt_is_reference( AttributeDescription *ad );
/* Every entity that ever referred to target through ad's attribute type,
 * with any options (a value of moRefUnit;x-foo is a moRefUnit): *uuids
 * (ch_malloc'd, candidates to check against their versions) and *n. */
int bt_refs_get( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, bt_uuid **uuids, int *n );
/* A part of what bt_refs_get() returns that holds at least every entity
 * whose version of class oc (structural, or a class below it) named
 * target in ad: the manager posts of a unit without its engagements.
 * The caller still checks the version it reads. */
int bt_refs_get_class( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, ObjectClass *oc, bt_uuid **uuids, int *n );
int bt_entry_uuid( Entry *e, bt_uuid *u );
int bt_resolve_any( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_period within, bt_uuid *u );
/* Whether the requester of op may learn of the version r, named as it
 * was at vt ("disclose" on it and on its current version, by slapd's
 * ACLs; the rootdn may): what an overlay's refusal may name.  *may is 0
 * when it cannot be decided.  Returns an LMDB code. */
int bt_row_may_disclose( Operation *op, bt_info *bi, MDB_txn *txn, bt_row *r,
	bt_time vt, int *may );
/* The deepest chain of parents a walk up the versions follows; deeper is
 * an error (a cycle that an old history may hold), never a recursion
 * without end. */
#define BT_DEPTH_MAX 512
int bt_row_dn( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time valid_at,
	bt_time known_at, struct berval *dn, struct berval *ndn );
/* bt_row_dn() for many versions at one point of one read snapshot: the
 * DNs of the parents on the way are kept in memo (from bt_dn_memo_new(),
 * used for that one (txn, valid_at, known_at) only, then freed), so that
 * entries under the same parents cost one version read each. */
typedef struct bt_dn_memo bt_dn_memo;
bt_dn_memo *bt_dn_memo_new( void );
void bt_dn_memo_free( bt_dn_memo *memo );
int bt_row_dn_memo( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time valid_at,
	bt_time known_at, bt_dn_memo *memo, struct berval *dn, struct berval *ndn );
/* The name a version was registered under (pointers into r's blob), and
 * the DN at a point of an entity registered as sdn/sndn under parent: what
 * bt_row_dn_memo() does for a version, without the version. */
int bt_row_name( bt_row *r, struct berval *sdn, struct berval *sndn );
int bt_name_dn_memo( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *sdn, struct berval *sndn, bt_time valid_at, bt_time known_at,
	bt_dn_memo *memo, struct berval *dn, struct berval *ndn );
/* What a caller already knows of entity u at the memo's point, asked
 * before a parent's version is read from the history: 1 with the parent
 * and the name the version valid then was registered under (copies that
 * the walk frees with ber_memfree: ber_memalloc'd or ch_malloc'd, never
 * in an operation's slab), -1 when u has no version then, 0 when it does
 * not know (the version is read).  What it answers must be what the
 * history holds for that (txn, valid_at, known_at). */
typedef int (bt_name_fn)( void *arg, const bt_uuid *u, bt_uuid *parent,
	struct berval *sdn, struct berval *sndn );
void bt_dn_memo_ask( bt_dn_memo *memo, bt_name_fn *fn, void *arg );
/* what bt_row_snapshot() adds */
#define BT_SNAP_PERIODS       1	/* moValidFrom, moValidTo, moRecordedAt, moRecordedBy */
#define BT_SNAP_REGISTRATION  2	/* moSupersededAt, moVersionOperation, moChangedAttributes */
Entry *bt_row_snapshot( bt_info *bi, MDB_txn *txn, bt_row *r,
	struct berval *dn, struct berval *ndn, int what );
/* back-mdb's table of attribute descriptions (struct mdb_info's mi_ads,
 * mi_adxs, mi_numads; mdb is a struct mdb_info *) around a write
 * transaction that may be aborted: see bt_backmdb.c. */
int bt_ads_mark( void *mdb );
void bt_ads_unwind( void *mdb, int mark, int high );
/* A transaction nested in back-mdb's write transaction parent (an
 * mdb_op_info), to publish on one write's operation so that the write can
 * fail alone; bt_nested_end merges (keep) or aborts it, unwinds the
 * attribute table when it is not kept, and frees it. */
OpExtra *bt_nested_begin( void *mdb, OpExtra *parent, int *mark );
int bt_nested_end( void *mdb, OpExtra *nested, int mark, int keep );
/* What a write entails in another overlay's model, written in the write's
 * own transaction, so that both commit or neither does (slapo-oio: a
 * person's termination ends their functions).  The overlay hangs a
 * bt_consequence on the operation's o_extra under bt_consequence_key
 * before passing the write down.  Once the write's own change has
 * succeeded (its history rows and its live change), before anything is
 * committed, the bitemporal overlay calls fn with the entity written (u),
 * the instant its change takes effect (from: the write's validFrom, or
 * now for an activation of a due change, which calls it too) and txn: an
 * OpExtra to publish on the writes fn makes below its overlay, which then
 * run in that transaction; reads through bt_read_begin( op ) read in it
 * too (what will be committed, not a snapshot from before the write).
 * fn returns an LDAP result code: anything but LDAP_SUCCESS undoes the
 * write and everything fn wrote, and the write is answered with that code
 * and the text fn left in text (len bytes).
 *
 * Why there and not after the result: a write is acknowledged once it is
 * committed, and what its consequence would then write is a second
 * transaction that can fail alone (the person gone, a function still
 * naming them).  Why not before passing the write down: the transaction is
 * the bitemporal overlay's (its own, a group commit's, an LDAP
 * transaction's) and begins below the overlay that hangs the hook.
 *
 * Called under back-mdb's writer lock, possibly in another thread than
 * the operation's (the leader of a group commit runs a queued write on the
 * writer's Operation while the writer sleeps, bt_commit.c): fn waits for
 * no lock a holder of the writer lock must not wait for (bitemporal.h,
 * the lock order), and begins no write transaction of its own. */
typedef struct bt_consequence {
	OpExtra oe;
	int (*fn)( Operation *op, const bt_uuid *u, bt_time from, OpExtra *txn,
		struct bt_consequence *cq, char *text, size_t len );
	void *arg;
	int ran;		/* set when fn was called */
} bt_consequence;
extern int bt_consequence_key;
/* room for the text of a refusal fn gives */
#define BT_CONSEQUENCE_TEXT_LEN 768
/* A write committed by its transaction's owner (bt_write.c): views
 * cached before it are stale. */
void bt_note_committed( bt_info *bi, bt_time now );
extern int bt_activation_key;	/* o_extra key of that mark (an activation's write) */
/* Another overlay may complete the entries an as-of search reconstructs
 * before the filter sees them (slapo-oio computes its derived attributes
 * as they were at that point): it hangs a bt_fixup on the operation's
 * o_extra under bt_fixup_key. */
typedef struct bt_fixup {
	OpExtra oe;
	void (*fn)( Operation *op, Entry *e, struct bt_fixup *fx );
	void *arg;
	/* history listings: the instants inside P (the version's period, in
	 * order, at most max) where the values fn computes for e may change;
	 * the version is listed in pieces cut there, each completed for its
	 * start.  NULL, or 0 instants: one piece. */
	int (*cuts)( Operation *op, Entry *e, bt_period P, bt_time *at, int max,
		struct bt_fixup *fx );
	/* set by the search before each call: the read snapshot the entry
	 * comes from and the point it shows */
	MDB_txn *txn;
	bt_time vt, kt;
	/* set by fn when the entry cannot be completed: the search ends with
	 * other (80) rather than send it */
	int err;
} bt_fixup;
extern int bt_fixup_key;

/* Calls fn on every entry of the database as it was valid at valid_at,
 * as known at known_at (a reconstructed entry, freed after the call).
 * Returns 0, or the LMDB code of a history that could not be read (fn
 * may have seen part of the database). */
int bt_visit_at( bt_info *bi, Operation *op, bt_time valid_at, bt_time known_at,
	void (*fn)( Entry *e, void *arg ), void *arg );

/* bitemporal-cache-size bounds all of modir's as-of caches together, in
 * bytes (0: none is kept): the inflated snapshots of versions
 * (bt_snapcache.h), the whole-database points of as-of searches
 * (bt_search.c), slapo-oio's organisation at a point and the entities its
 * as-of reads of one entry visited, each to its share.
 * Everything a cache holds can be rebuilt from the history: the bound
 * costs speed only. */
#define BT_SHARE_SNAPS( size )  ( (size) / 8 )
#define BT_SHARE_FACTS( size )  ( (size) / 8 )
#define BT_SHARE_POINTS( size ) ( (size) / 2 )
#define BT_SHARE_ORG( size )    ( (size) - BT_SHARE_SNAPS( size ) - BT_SHARE_FACTS( size ) - \
	BT_SHARE_POINTS( size ) )
size_t bt_cache_size( bt_info *bi );
/* The shares are guarantees, not fences: the share of the points that the
 * kept points leave unused (at 25,000 employees a whole-database point
 * outgrows it and none is kept) may be lent to a cache of small entries
 * above (slapo-oio's entities at a point), which must give it back when
 * a point is kept: bitemporal then calls every shrinker, with the
 * overlay and database whose points grew, before the search that kept
 * it returns, and when bitemporal-cache-size changes.  bt_shrinker_add
 * is called from an overlay's initialize, as bt_listener_add; 0, or -1
 * when BT_LISTENERS_MAX shrinkers are registered already. */
size_t bt_points_spare( bt_info *bi );
typedef void (bt_shrinker)( slap_overinst *bt_on, bt_info *bi );
int bt_shrinker_add( bt_shrinker *fn );

/* The view generation: +1 with every committed write (views computed
 * before it may be stale), and the registration time of the latest write
 * ("known now" and "known at any later time" are the same view). */
unsigned long bt_view_generation( bt_info *bi );
bt_time bt_last_write( bt_info *bi );

/* Gives back the memory that a large write transaction leaves behind in
 * the database's LMDB environment: LMDB keeps every page a transaction
 * dirtied for later writers, for good, so without this the heap holds as
 * many pages as the largest write ever dirtied (the first start's
 * baselines, a batch of derived values for thousands of people).  Keeps
 * BT_WRITE_PAGES_KEEP for the writes to come.  Called by whoever has just
 * committed such a transaction, on a thread that holds no transaction of
 * the environment (it takes the writer lock for the time of a walk). */
#define BT_WRITE_PAGES_KEEP 256
void bt_release_write_memory( bt_info *bi );
/* Listeners: what an overlay stacked above a bitemporal overlay learns
 * about it.  fn( bt_on, bi ) is called when the bitemporal overlay bt_on
 * of a database opens in a running slapd (added, or added back, through
 * cn=config: bi is its state) and when it closes (bi is NULL: it is
 * gone, and nothing above may use it any more).  Called in the thread
 * that opens or closes the database, with the server paused by
 * back-config, or not (or no longer) serving, so no operation runs
 * meanwhile; fn finds its own instances above bt_on (bt_on->on_info->
 * oi_list up to bt_on).  An overlay opened after the bitemporal overlay finds it at its
 * own open instead.
 *
 * bt_listener_add is called from an overlay's initialize, before any
 * database opens; it returns 0, or -1 (a boolean failure) when
 * BT_LISTENERS_MAX listeners are registered already. */
typedef void (bt_listener)( slap_overinst *bt_on, bt_info *bi );
#define BT_LISTENERS_MAX	4	/* the overlays that build on this one: oio, and
								 * room for the events and audit to come */
int bt_listener_add( bt_listener *fn );

#endif /* BITEMPORAL_API_H */
