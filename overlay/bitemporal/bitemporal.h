/* bitemporal.h - the bitemporal overlay's shared state, its history store
 * and the pieces of the overlay that use it.
 *
 * Model (slapo-bitemporal(5)): every tracked entry (an "entity", named by
 * its entryUUID) has versions.  A version is a full snapshot of the entry
 * with a valid-time period [validFrom, validTo) and a registration period
 * [recordedAt, supersededAt).  A write never changes a version's content:
 * it closes the registration of the versions it replaces (supersededAt =
 * now) and registers new ones, so every "as known at" view stays
 * reproducible.  The live DIT is the projection (valid now, known now).
 *
 * A version names its entry by RDN and the entryUUID of its parent, so a
 * subtree move is one new version of the moved entry; DNs at any (valid,
 * known) point are rebuilt by walking the parents' versions.
 *
 * Return conventions (bitemporal_api.h says them in full): the store and
 * history layer (bt_store.c, bt_timeline.c, bt_backmdb.c, bt_commit.c, bt_cache.c)
 * returns LMDB codes (0, MDB_NOTFOUND, other MDB_* codes or errno); the
 * operation layer (bt_write.c, bt_versions.c, bt_search.c, bt_access.c, the projection
 * in bt_activate.c) returns LDAP result codes; booleans are 0/1 and named
 * as questions; parsers and codecs return 0 or -1; lifecycle functions
 * 0 or non-zero, as slapd's db_open.
 */
#ifndef BITEMPORAL_H
#define BITEMPORAL_H

#include "bitemporal_api.h"
#include "bt_snapcache.h"
#include "lmdb_embedded.h"		/* modir_mdb_*: what lmdb.h has no call for */


/* The whole database as of one point in time (collected by bt_search.c,
 * kept by bt_cache.c).  Entries are
 * kept packed, one block each (bt_cache.c), and unpacked as they are sent. */
typedef struct bt_cached {
	struct berval ndn;		/* its normalized name (in blob), for the scope test */
	struct berval blob;		/* the entry as a search sends it */
	bt_period valid;		/* its version's periods: whether it is the entity */
	bt_time superseded;		/* as it is now is asked when it is sent */
} bt_cached;
void bt_cache_pack( Entry *e, struct berval *blob, struct berval *ndn );
Entry *bt_cache_unpack( struct berval *blob );
/* bt_decode.c: entry_decode() of a checked snapshot (eh as entry_header()
 * left it, its block holding the berval arrays), names resolved through a
 * per-thread cache.  LDAP_SUCCESS with *e, whose e_bv is eh's block; or
 * an LDAP error with the block still the caller's. */
int bt_entry_decode( EntryHeader *eh, Entry **e );
void bt_cache_entry_free( Entry *e );
/* bt_pack.c: the block format, no allocation of its own.  bt_pack_into
 * writes e into block, bt_pack_size( e ) bytes at a pointer's alignment,
 * and sets ndn to the name inside it.  bt_unpack_counts reads how many
 * Attributes and bervals the entry of blob needs; bt_unpack_into fills e's
 * names, the chain attrs of that many Attributes and the array bv of that
 * many bervals, all pointing into blob (flagged not to be freed). */
size_t bt_pack_size( Entry *e );
void bt_pack_into( Entry *e, char *block, size_t len, struct berval *ndn );
void bt_unpack_counts( struct berval *blob, unsigned *nattrs, unsigned *nbv );
void bt_unpack_into( struct berval *blob, Entry *e, Attribute *attrs, struct berval *bv );

typedef struct bt_cache {
	bt_time vt, kt;
	unsigned long gen;
	unsigned long used;		/* bt_point_tick when last searched */
	int valid;
	bt_cached *e;
	int n, max;
	size_t bytes;		/* what it holds, packed entries and their index */
} bt_cache;
/* The first allocation of the cache's index (it doubles from there): a
 * point of a small directory fits, a big one costs a few reallocations. */
#define BT_CACHE_FIRST_SLOTS 1024
/* The default of bitemporal-cache-size: a point of the demo municipality
 * (2,000 employees, 13,000 entries) fits several times over; a 25,000
 * employee directory answers whole-database as-of searches by walking. */
#define BT_CACHE_SIZE_DEFAULT ( (size_t)64 << 20 )
/* At most this many points are kept (within BT_SHARE_POINTS). */
#define BT_POINTS_MAX 8
/* slots of bt_touched: a power of two (256 KiB of size_t) */
#define BT_TOUCH_SLOTS ( 1u << BT_SLOT_BITS )
/* A point asked for by one of the last BT_ASKED searches is kept. */
#define BT_ASKED 16
typedef struct bt_asked {
	bt_time vt, kt;
	unsigned long gen;
	/* the share of bitemporal-cache-size a collect of this point (any
	 * gen) outgrew; 0: none did.  Not collected again while the share is
	 * no larger: each try reads the whole database and then walks */
	size_t toobig;
} bt_asked;
void bt_cache_clear( bt_cache *c );
/* The kept points (bt_cache.c): bt_point_use() finds one for a search and
 * holds it until bt_point_release(); a search that asks for a point again
 * (bt_point_asked_before) collects it and offers it to bt_point_keep(), or
 * reports with bt_point_too_big() that it outgrew share. */
bt_cache *bt_point_use( bt_info *bi, bt_time vt, bt_time kt, unsigned long gen );
void bt_point_release( bt_info *bi );
int bt_point_asked_before( bt_info *bi, bt_time vt, bt_time kt, unsigned long gen,
	size_t share );
void bt_point_too_big( bt_info *bi, bt_time vt, bt_time kt, size_t share );
void bt_point_keep( bt_info *bi, bt_cache *c );
/* frees every kept point; the caller excludes searches */
void bt_points_clear( bt_info *bi );
/* drops the least recently used points until they fit their share of
 * bitemporal-cache-size (unless a search reads them: then the next point
 * kept does it); returns the bytes of the points dropped */
size_t bt_points_fit( bt_info *bi );
/* the caches that borrow from the points give back what they must
 * (bt_shrinker_add); called with no lock of bitemporal's held */
void bt_shrinkers_call( bt_info *bi );

/* Locks, and the order they are taken in (a lock may be taken while
 * holding those listed before it, never one listed after it):
 *
 *  1. the thread pool pause (back-config's changes, shutdown).  Nothing
 *     here waits for a pause while holding a lock or a write
 *     transaction; the runqueue tasks (activations, oio's derivation)
 *     check ldap_pvt_thread_pool_pausing() between units of work and
 *     return, since the pause waits for them.
 *  2. back-mdb's writer lock: LMDB's writer mutex, held by a write
 *     transaction from its begin (bi_op_txn SLAP_TXN_BEGIN, or
 *     mdb_txn_begin without MDB_RDONLY) to its commit or abort.  Holders:
 *     a write alone, a group's leader (bt_commit.c), an LDAP transaction
 *     (RFC 5805) from its first write to its commit, during which slapd
 *     runs every write of it through all the overlays, the bootstrap,
 *     retire_due, and the oio overlay's batches.  Nested transactions
 *     take nothing more.  The lock is not recursive: a thread that holds
 *     it never begins another write transaction; the writes a write
 *     entails (bt_consequence: oio's cascade) run in the transaction it
 *     holds, whoever owns it (the write alone, a group, an LDAP
 *     transaction).  A read transaction (bt_read_begin) takes no
 *     lock and never waits for the writer; a thread may hold one while
 *     it writes (boot_cb in bt_bootstrap.c says why that is legal).
 *  3. the oio overlay's model mutex (oio.h): taken under the writer lock
 *     by the writes of an LDAP transaction, so never held while waiting
 *     for it.
 *  4. bt_group_mutex, with bt_group_cond: the leader takes it for a
 *     moment under the writer lock (take_queued) and waits for nothing
 *     under it; a queued writer waits on the condition holding nothing
 *     else (no writer lock: its write runs in the leader's transaction).
 *  5. bt_cache_lock: only ever tried (rtrylock/wtrylock), never waited
 *     for; held across a whole-database walk that builds the as-of cache
 *     and across a search answered from it, possibly under oio's as-of
 *     lock (a search oio passes down).
 *  6. bt_retry_mutex: a leaf, held for a lookup or an update of the
 *     retry array only (see the field).
 *  7. slapd's runqueue mutex (slapd_rq.rq_mutex): a leaf, taken alone to
 *     start, stop and reschedule the tasks (modir.c, bt_activate.c,
 *     oio.c).
 *
 * No lock of this overlay is held across a wait for another, except
 * back-mdb's writer lock, whose holders never wait for a lock listed
 * before it. */
struct bt_info {
	slap_overinst *bt_on;	/* this overlay on its database: the live DIT
							 * below it (bt_access.c reads entries as they
							 * are now through it) */
	/* configuration */
	BerVarray bt_subtrees, bt_nsubtrees;	/* NULL: the whole database */
	ObjectClass **bt_ocs;			/* NULL: every entry */

	/* the history store (bt_store.c) */
	MDB_env *bt_env;		/* back-mdb's environment; not ours to close */
	void *bt_mdb;			/* back-mdb's struct mdb_info: its o_extra key */
	int bt_ext_mark;		/* bt_txn_hook: the attribute table when an LDAP
							 * transaction began (under the writer lock) */
	MDB_dbi bt_versions;	/* uuid|validFrom|recordedAt|seq -> version */
	MDB_dbi bt_names;		/* parent uuid|normalized RDN -> uuid (dup) */
	MDB_dbi bt_due;			/* due time|uuid -> (empty): pending activations */
	MDB_dbi bt_refs;		/* target uuid|attribute -> referrer uuid (dup) */
	MDB_dbi bt_refclass;	/* target uuid|attribute|class -> referrer uuid (dup) */
	int bt_has_refclass;	/* 0: a read-only tool on a database from before it */
	int bt_open;
	int bt_bootstrapping;	/* bt_bootstrap is writing baselines: their
							 * snapshots are not kept (bt_row_put) */
	uint32_t bt_seq;
	bt_time bt_last_write;	/* registration time of the latest write */
	unsigned long bt_write_gen;	/* +1 with every committed write: views cached
								 * before it may be stale */
	/* whole-database points kept for as-of searches of big subtrees,
	 * least recently used out (bt_cache.c); bt_cache_lock is taken
	 * with trylocks only, and never while a point is built */
	ldap_pvt_thread_rdwr_t bt_cache_lock;
	bt_cache *bt_points[BT_POINTS_MAX];
	int bt_npoints;
	size_t bt_points_bytes;	/* what they hold, for bt_points_spare (atomic) */
	unsigned long bt_point_tick;
	/* the points the last big as-of searches asked for: a point is
	 * kept from its second search on (bt_cache.c) */
	ldap_pvt_thread_mutex_t bt_point_mutex;
	bt_asked bt_asks[BT_ASKED];
	unsigned bt_nasked;
	size_t bt_cache_max_bytes;	/* bitemporal-cache-size; 0: no as-of cache */
	/* the snapshots of versions, inflated (bt_snapcache.c), shared by
	 * every read; a part of bitemporal-cache-size (BT_SHARE_SNAPS) */
	bt_snapcache *bt_snaps;
	/* the write transaction that last wrote a version of an entity, by a
	 * slot its UUID picks (bt_store.c, "What changed since a snapshot") */
	size_t *bt_touched;
	size_t *bt_touched_refs;	/* the same for what refers to an entity */

	/* group commit (bt_commit.c) */
	ldap_pvt_thread_mutex_t bt_group_mutex;
	ldap_pvt_thread_cond_t bt_group_cond;
	struct bt_job *bt_group_queue, **bt_group_tail;
	int bt_group_busy;		/* a leader is running a group */
	int bt_group_max;		/* writes per commit; 1: each write commits alone */
	int bt_no_nesting;		/* the environment cannot nest transactions */

	/* activation of due changes (bt_activate.c) */
	BackendDB *bt_db;
	struct re_s *bt_task;
	int bt_interval;
	/* the writes the task last saw and when their count last moved, and
	 * the count at the last hand-back of freed memory (bt_heap.c; the
	 * task's alone) */
	unsigned long bt_heap_seen, bt_heap_released;
	time_t bt_heap_since;
	/* entities whose activation failed; their due rows stay and they are
	 * retried with backoff.  bt_retry_mutex guards the array (the task
	 * writes it, searches read it for moActivationError); it is taken
	 * alone, never while waiting for another lock. */
	ldap_pvt_thread_mutex_t bt_retry_mutex;
	struct bt_retry *bt_retries;
	int bt_nretry, bt_maxretry;

	/* attributes another overlay computes from other entries (slapo-oio's
	 * derived values): never part of a version (bt_computed.c) */
	struct bt_computed { AttributeDescription *ad; ObjectClass *oc; } *bt_computed;
	int bt_ncomputed;

	/* authorisation (bt_access.c) */
	slap_access_t bt_past_access;	/* ACL_MANAGE: changes that start before
									 * now need manage on the entry; ACL_NONE:
									 * the write access of the change suffices */
};

/* bt_touched.c: what changed since a snapshot (bitemporal_api.h,
 * bt_unchanged_since): a version of u, or an entry of the reference
 * index under target, written in txn */
void bt_touch( bt_info *bi, MDB_txn *txn, const bt_uuid *u );
void bt_refs_touch( bt_info *bi, MDB_txn *txn, const bt_uuid *target );

int bt_is_computed( bt_info *bi, AttributeDescription *ad, Entry *e );
/* Whether ml changes attributes that are computed on some class only (and
 * slapd's own operational ones) */
int bt_mods_computed_only( bt_info *bi, Modifications *ml );
/* Whether the filter tests a computed attribute (or one above it, or
 * any attribute): then an entry must be completed (bt_fixup) before the
 * filter sees it; else only an entry that matches needs completing. */
int bt_filter_computed( bt_info *bi, Filter *f );
/* e without its computed attributes: e itself if it has none, else tmp
 * with a shallow copy of the rest in *attrs (ch_free it after use) */
Entry *bt_entry_own_facts( bt_info *bi, Entry *e, Entry *tmp, Attribute **attrs );



/* bt_store.c: rows, names, due activations */
int bt_store_open( bt_info *bi, BackendDB *be, BackendInfo *backend, ConfigReply *cr );
void bt_store_close( bt_info *bi );

int bt_row_put( bt_info *bi, MDB_txn *txn, bt_row *r, Entry *e );
int bt_row_put_same( bt_info *bi, MDB_txn *txn, bt_row *r, const bt_row *old );
int bt_row_supersede( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time when );
int bt_rows_all( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_rows *out );
/* *found 1 when u has versions, 0 when none; returns an LMDB code */
int bt_has_rows( bt_info *bi, MDB_txn *txn, const bt_uuid *u, int *found );
int bt_names_get( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *nrdn, bt_uuid **uuids, int *n );
int bt_due_put( bt_info *bi, MDB_txn *txn, bt_time t, const bt_uuid *u );
int bt_due_del_upto( bt_info *bi, MDB_txn *txn, bt_time upto, const bt_uuid *u );
/* the first activation after (*after_t, after_u); after_t NULL: the very
 * first.  MDB_NOTFOUND when there is none. */
int bt_due_next( bt_info *bi, MDB_txn *txn, const bt_time *after_t,
	const bt_uuid *after_u, bt_time *t, bt_uuid *u );


/* bt_refclass.c: the references keyed by the referring version's class */
/* the references of e (entity u), under its structural class and the
 * classes above it */
int bt_refclass_put( bt_info *bi, MDB_txn *txn, Entry *e, const bt_uuid *u );
/* what modir_bt_refclass holds for (target, ad, oc); bt_has_refclass
 * must be set (bt_refs_get_class falls back to modir_bt_refs) */
int bt_refclass_get( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, ObjectClass *oc, bt_uuid **uuids, int *n );

/* bt_index.c: what the index tables are written with (bt_is_reference:
 * bitemporal_api.h) */
/* key/val into a dupsort table unless the pair is there (a put of an
 * existing pair still dirties its pages): 0 or an LMDB code */
int bt_put_once( MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, int *added );

/* bt_timeline.c: names and snapshots at a point in (valid, known) time */
int bt_is_tracked( bt_info *bi, Entry *e );
int bt_row_nrdn( bt_info *bi, bt_row *r, struct berval *nrdn, struct berval *rdn );
int bt_resolve( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_time valid_at, bt_time known_at, bt_uuid *u, bt_row *row );
int bt_ever_named( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_uuid **out, int *nout );
/* bt_resolve_any() for another entity than skip (the entry being renamed);
 * bt_child_named(): any entity other than skip whose current version hangs
 * under parent as the RDN of ndn during one of the n periods within */
int bt_resolve_other( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_period within, const bt_uuid *skip, bt_uuid *u );
int bt_child_named( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *ndn, const bt_period *within, int n,
	const bt_uuid *skip, bt_uuid *u );
/* Whether hanging u under parent during P (as known now) would make u its
 * own ancestor: *cycle 1 with *at the first instant found, 0 if never.
 * Returns 0, or the LMDB code of a history that cannot be read
 * (MDB_CORRUPTED: the chain is deeper than BT_DEPTH_MAX). */
int bt_would_be_ancestor( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	const bt_uuid *parent, bt_period P, int *cycle, bt_time *at );
/* *out: rdn, then ',' and parent (none when parent is NULL or empty), ch_malloc'd
 * (never in a slab: ber_memfree or ch_free) - build_new_dn's result,
 * copied whole (slapd's copies the RDN a byte at a time, and the walks
 * that build the DNs of a point join one for every entry they meet) */
void bt_dn_join( struct berval *out, struct berval *parent, struct berval *rdn );

/* bt_backmdb.c: what the overlay knows of back-mdb's structures, all in
 * one file.  bt_backend_env: be's LMDB environment and its struct
 * mdb_info (the o_extra key of its transactions); 0, or 1 if be has none
 * open.  bt_txn_published: the write transaction published on op's
 * o_extra (an LDAP transaction's, or the nested one a group commit gives
 * each write), or NULL.  bt_txn_of: the LMDB transaction of the o_extra
 * back-mdb's transaction hook returned.  bt_txn_share: an o_extra that
 * publishes txn to the writes below (back-mdb leaves its begin and commit
 * to its owner), freed with bt_txn_share_free once they are done. */
int bt_backend_env( BackendDB *be, MDB_env **env, void **mdb );
MDB_txn *bt_txn_published( void *mdb, Operation *op );
MDB_txn *bt_txn_of( OpExtra *oex );
OpExtra *bt_txn_share( void *mdb, MDB_txn *txn );
void bt_txn_share_free( OpExtra *share );

/* bt_commit.c: a write's transaction, shared with concurrent writes */
typedef struct bt_job {
	struct bt_job *next;
	Operation *op;
	BackendInfo *orig;		/* back-mdb, whose transaction hook begins the group's */
	/* the write, run inside a nested transaction published on op's
	 * o_extra (or the group's own, for a leader alone: bt_commit.c);
	 * returns non-zero to keep what it did */
	int (*run)( struct bt_job *job );
	void *arg;
	int state;
	int ran;				/* run was called */
	int rc;					/* 0: what run kept is durable; else why nothing
							 * is, an LMDB code or errno (EDEADLK: a write
							 * from inside a group, ENOTSUP: no transactions) */
} bt_job;
/* Large enough for every connection an IAM sync or an import opens; it
 * bounds how long the first write of a group waits for the others. */
#define BT_GROUP_MAX_DEFAULT 64
void bt_group_init( bt_info *bi );
void bt_group_destroy( bt_info *bi );
void bt_group_write( bt_info *bi, bt_job *job );

/* back-mdb's bi_op_txn, as RFC 5805 transactions reach it (bitemporal.c
 * installs it on the database's overlay info). */
int bt_txn_hook( Operation *op, int txnop, OpExtra **ptr );

/* bt_write.c */
int bt_op_write( Operation *op, SlapReply *rs );

/* bt_versions.c (what each write does to the versions: bt_write.h) */
/* Records the baseline version of a live entry that has none (and of its
 * tracked parents first); an LMDB code. */
int bt_ensure_history( bt_info *bi, MDB_txn *txn, Operation *op,
	slap_overinst *on, Entry *e, bt_uuid *u, bt_time now );

/* bt_activate.c: what the activation task hangs on its internal
 * operations (o_extra, bt_activation_key): the projection of this entity
 * onto the live DIT, serving its activations due up to upto. */
typedef struct bt_activation {
	OpExtra oe;
	bt_uuid uuid;
	bt_time upto;
} bt_activation;
void *bt_activation_mark( Operation *op, const bt_uuid *u, bt_time upto );
void bt_activation_unmark( Operation *op, void *mark );

/* bt_search.c */
int bt_op_search( Operation *op, SlapReply *rs );
int bt_operational( Operation *op, SlapReply *rs );


/* bt_access.c: slapd's ACL engine on the paths back-mdb never sees.
 * Returns LDAP_SUCCESS or LDAP_INSUFFICIENT_ACCESS with az->text set. */
typedef struct bt_authz {
	Operation *op;
	bt_info *bi;
	bt_period P;		/* the period the write changes */
	bt_time now;
	const char *text;
} bt_authz;
/* level on the entry (ACL_NONE: none), write access to each value of ml
 * (NULL: none), and manage when P starts before now */
int bt_authz_entry( bt_authz *az, Entry *e, slap_access_t level, Modifications *ml );
/* level (ACL_WADD, ACL_WDEL, ACL_WRITE) on the parent's "children";
 * parent NULL: a root entry, for the rootdn only */
int bt_authz_children( bt_authz *az, Entry *parent, slap_access_t level );
/* The three below read the store: they return an LMDB code, and a read
 * error is never an answer (a caller that decides access refuses on it,
 * a read ends with other (80)).
 * bt_version_entry: the version's entry under its name at vt in *e */
int bt_version_entry( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time vt, Entry **e );
/* the entity as it is now (or as it was last, if it is gone) in *e;
 * MDB_NOTFOUND when it has no version */
int bt_current_entry( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_time now,
	Entry **e );
/* *may: level on the version and on the entity as it is now (a boolean,
 * set only when 0 is returned; 0 when the entity has no present) */
/* The entity u as today's rules judge it: its live entry (with what
 * other overlays compute for it) when it is live, else its current
 * version rebuilt (*live 0); MDB_NOTFOUND when it has none.  Given back
 * with bt_entry_now_done(). */
int bt_entry_now( Operation *op, bt_info *bi, MDB_txn *txn, const bt_uuid *u, Entry **e,
	int *live );
void bt_entry_now_done( Operation *op, bt_info *bi, Entry *e, int live );
int bt_may_see( Operation *op, bt_info *bi, MDB_txn *txn, Entry *version,
	slap_access_t level, int *may );
void bt_prune_changed( Operation *op, Entry *e );

/* bt_activate.c */
/* Room for why an activation failed (a refusal's text, as the log and
 * moActivationError show it); longer texts are cut. */
#define BT_WHY_LEN 160
/* moActivationError: the due time, the tries, the next try and the why */
#define BT_ACTIVATION_ERROR_LEN ( BT_WHY_LEN + 3 * BT_TIME_BUFSZ + 128 )
int bt_activation_start( bt_info *bi, BackendDB *be );
void bt_activation_stop( bt_info *bi );

/* bt_heap.c: called by the activation task at each run; hands freed
 * memory back once a burst of writes is over */
void bt_heap_after_writes( bt_info *bi );
void bt_retry_init( bt_info *bi );
void bt_retry_destroy( bt_info *bi );
/* Whether an activation of u failed (a boolean): 1 with buf filled with
 * why the live entry does not yet show a change that fell due (the value
 * of moActivationError), 0 if nothing failed. */
int bt_activation_failed( bt_info *bi, const bt_uuid *u, char *buf, size_t len );

/* bt_bootstrap.c */
/* Stored periods dropped per transaction at the bootstrap (back-mdb's
 * modifies of entries in the order of their IDs: one commit for many,
 * while a directory of hundreds of thousands never becomes one
 * transaction of unbounded size). */
#define BT_BOOTSTRAP_BATCH 1000
/* The baselines are committed when their transaction has dirtied
 * bitemporal-cache-size bytes of pages (at least this): the history's
 * tables are keyed at random (entryUUIDs, names), so a commit of a fixed
 * number of entries writes nearly a page per table per entry, and the
 * same leaves again in every commit (2.6 GB written for 0.3 GB of tables
 * at 25,000 employees in commits of 1,000); bounded by bytes, a commit
 * covers more of each table the larger the tables grow.  The pages are
 * the heap's until the bootstrap ends (bt_release_write_memory). */
#define BT_BOOTSTRAP_MIN_BYTES ( 4UL << 20 )
/* and at most this: half of what LMDB 0.9 holds dirty in one transaction
 * (MDB_IDL_UM_MAX pages) before it writes pages out early (spills) */
#define BT_BOOTSTRAP_MAX_BYTES ( 256UL << 20 )
/* Gives every live tracked entry without history its baseline version;
 * 0, or 1 when the history could not be written (the start fails). */
int bt_bootstrap( bt_info *bi, BackendDB *be );


#endif /* BITEMPORAL_H */
