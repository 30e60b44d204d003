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
 */
#ifndef BITEMPORAL_H
#define BITEMPORAL_H

#include "lmdb.h"
#include "bt_time.h"

#define BT_UUID_LEN 16
typedef struct bt_uuid { unsigned char u[BT_UUID_LEN]; } bt_uuid;

/* The operation that registered a version. */
typedef enum bt_opkind {
	BT_OP_BASELINE = 0,	/* an entry that existed before its first tracked change */
	BT_OP_ADD,
	BT_OP_MODIFY,
	BT_OP_DELETE,		/* versions carried up to the termination date */
	BT_OP_MODRDN,
	BT_OP_IMPORT		/* restored from an export */
} bt_opkind;

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

/* The whole database as of one point in time (bt_search.c).  Entries are
 * kept packed, one block each (bt_cache.c), and unpacked as they are sent. */
typedef struct bt_cached {
	struct berval ndn;		/* its normalized name (in blob), for the scope test */
	struct berval blob;		/* the entry as a search sends it */
	bt_period valid;		/* its version's periods: whether it is the entity */
	bt_time superseded;		/* as it is now is asked when it is sent */
} bt_cached;
void bt_cache_pack( Entry *e, struct berval *blob, struct berval *ndn );
Entry *bt_cache_unpack( struct berval *blob );
void bt_cache_entry_free( Entry *e );

typedef struct bt_cache {
	bt_time vt, kt;
	unsigned long gen;
	int valid;
	bt_cached *e;
	int n, max;
} bt_cache;
void bt_cache_clear( bt_cache *c );

typedef struct bt_info {
	/* configuration */
	BerVarray bi_subtrees, bi_nsubtrees;	/* NULL: the whole database */
	ObjectClass **bi_ocs;			/* NULL: every entry */

	/* the history store (bt_store.c) */
	MDB_env *bi_env;		/* back-mdb's environment; not ours to close */
	void *bi_mdb;			/* back-mdb's struct mdb_info: its o_extra key */
	int bi_ext_mark;		/* bt_txn_hook: the attribute table when an LDAP
							 * transaction began (under the writer lock) */
	MDB_dbi bi_versions;	/* uuid|validFrom|recordedAt|seq -> version */
	MDB_dbi bi_names;		/* parent uuid|normalized RDN -> uuid (dup) */
	MDB_dbi bi_due;			/* due time|uuid -> (empty): pending activations */
	MDB_dbi bi_refs;		/* target uuid|attribute -> referrer uuid (dup) */
	int bi_open;
	uint32_t bi_seq;
	bt_time bi_last_write;	/* registration time of the latest write */
	unsigned long bi_write_gen;	/* +1 with every committed write: views cached
								 * before it may be stale */
	ldap_pvt_thread_rdwr_t bi_cache_lock;
	bt_cache bi_cache;
	int bi_cache_max_entries;	/* 0: no as-of cache */

	/* group commit (bt_commit.c) */
	ldap_pvt_thread_mutex_t bi_group_mutex;
	ldap_pvt_thread_cond_t bi_group_cond;
	struct bt_job *bi_group_queue, **bi_group_tail;
	int bi_group_busy;		/* a leader is running a group */
	int bi_group_max;		/* writes per commit; 1: each write commits alone */
	int bi_no_nesting;		/* the environment cannot nest transactions */

	/* activation of due changes (bt_activate.c) */
	BackendDB *bi_db;
	struct re_s *bi_task;
	int bi_interval;
	/* entities whose activation failed; their due rows stay and they are
	 * retried with backoff.  bi_retry_mutex guards the array (the task
	 * writes it, searches read it for moActivationError); it is taken
	 * alone, never while waiting for another lock. */
	ldap_pvt_thread_mutex_t bi_retry_mutex;
	struct bt_retry *bi_retry;
	int bi_nretry, bi_maxretry;

	/* attributes another overlay computes from other entries (slapo-oio's
	 * derived values): never part of a version (bt_computed.c) */
	struct bt_computed { AttributeDescription *ad; ObjectClass *oc; } *bt_computed;
	int bt_ncomputed;

	/* authorisation (bt_access.c) */
	slap_access_t bt_past_access;	/* ACL_MANAGE: changes that start before
									 * now need manage on the entry; ACL_NONE:
									 * the write access of the change suffices */
} bt_info;

/* bt_computed.c: attributes whose values are functions of other entries'
 * histories.  They are left out of every stored version (the history
 * holds an entry's own facts), a modify of nothing else changes the live
 * entry only, and reads of the past get them from whoever registered them
 * (a bt_fixup), computed for the point shown. */
/* ad is computed on the entries of class oc (on others it is a fact) */
void bt_computed_add( bt_info *bi, AttributeDescription *ad, ObjectClass *oc );
int bt_is_computed( bt_info *bi, AttributeDescription *ad, Entry *e );
/* Whether ml changes attributes that are computed on some class only (and
 * slapd's own operational ones) */
int bt_mods_computed_only( bt_info *bi, Modifications *ml );
/* The overlay that computes them marks its writes of derived values with
 * an OpExtra under bt_derived_key: they change the live entry alone. */
extern int bt_derived_key;
/* e without its computed attributes: e itself if it has none, else tmp
 * with a shallow copy of the rest in *attrs (ch_free it after use) */
Entry *bt_entry_own_facts( bt_info *bi, Entry *e, Entry *tmp, Attribute **attrs );

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

/* bt_store.c: rows, names, due activations */
int bt_store_open( bt_info *bi, BackendDB *be, BackendInfo *backend, ConfigReply *cr );
void bt_store_close( bt_info *bi );
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
int bt_row_put( bt_info *bi, MDB_txn *txn, bt_row *r, Entry *e );
int bt_row_put_same( bt_info *bi, MDB_txn *txn, bt_row *r, const bt_row *old );
int bt_row_supersede( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time when );
int bt_row_at( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_time valid_at, bt_time known_at, bt_row *out );
int bt_rows_current( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_period within, bt_rows *out );
int bt_rows_all( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_rows *out );
/* 1: u has versions, 0: none, -1: the store cannot be read */
int bt_has_rows( bt_info *bi, MDB_txn *txn, const bt_uuid *u );
int bt_row_entry( bt_row *r, Entry **e );
int bt_row_entry_ro( bt_row *r, Entry **e );
int bt_names_get( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *nrdn, bt_uuid **uuids, int *n );
typedef int (bt_child_fn)( const bt_uuid *u, struct berval *nrdn, void *arg );
int bt_names_children( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	bt_child_fn *fn, void *arg );
int bt_is_reference( AttributeDescription *ad );
int bt_refs_get( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, bt_uuid **uuids, int *n );
int bt_due_put( bt_info *bi, MDB_txn *txn, bt_time t, const bt_uuid *u );
int bt_due_del_upto( bt_info *bi, MDB_txn *txn, bt_time upto, const bt_uuid *u );
/* the first activation after (*after_t, after_u); after_t NULL: the very
 * first.  MDB_NOTFOUND when there is none. */
int bt_due_next( bt_info *bi, MDB_txn *txn, const bt_time *after_t,
	const bt_uuid *after_u, bt_time *t, bt_uuid *u );

static inline int bt_uuid_is_zero( const bt_uuid *u )
{
	static const bt_uuid zero;
	return memcmp( u, &zero, sizeof( zero ) ) == 0;
}

/* bt_timeline.c: names and snapshots at a point in (valid, known) time */
int bt_entry_uuid( Entry *e, bt_uuid *u );
int bt_is_tracked( bt_info *bi, Entry *e );
int bt_row_nrdn( bt_info *bi, bt_row *r, struct berval *nrdn, struct berval *rdn );
int bt_resolve( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_time valid_at, bt_time known_at, bt_uuid *u, bt_row *row );
int bt_ever_named( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_uuid **out, int *nout );
int bt_resolve_any( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_period within, bt_uuid *u );
int bt_resolve_other( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_period within, const bt_uuid *skip, bt_uuid *u );
int bt_child_named( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *ndn, const bt_period *within, int n,
	const bt_uuid *skip, bt_uuid *u );
/* The deepest chain of parents a walk up the versions follows; deeper is
 * an error (a cycle that an old history may hold), never a recursion
 * without end. */
#define BT_DEPTH_MAX 512
int bt_row_dn( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time valid_at,
	bt_time known_at, struct berval *dn, struct berval *ndn );
/* Whether hanging u under parent during P (as known now) would make u its
 * own ancestor: 1 with *at the first instant found, 0 if never, -1 when
 * the history cannot be read or the chain is deeper than BT_DEPTH_MAX. */
int bt_would_be_ancestor( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	const bt_uuid *parent, bt_period P, bt_time *at );
/* what bt_row_snapshot() adds */
#define BT_SNAP_PERIODS       1	/* moValidFrom, moValidTo, moRecordedAt, moRecordedBy */
#define BT_SNAP_REGISTRATION  2	/* moSupersededAt, moVersionOperation, moChangedAttributes */
Entry *bt_row_snapshot( bt_info *bi, MDB_txn *txn, bt_row *r,
	struct berval *dn, struct berval *ndn, int what );

/* bt_commit.c: a write's transaction, shared with concurrent writes */
typedef struct bt_job {
	struct bt_job *next;
	Operation *op;
	BackendInfo *orig;		/* back-mdb, whose transaction hook begins the group's */
	/* the write, run inside a nested transaction published on op's
	 * o_extra; returns non-zero to keep what it did */
	int (*run)( struct bt_job *job );
	void *arg;
	int state;
	int ran;				/* run was called */
	int rc;					/* 0: what run kept is durable; else why nothing is */
} bt_job;
/* Large enough for every connection an IAM sync or an import opens; it
 * bounds how long the first write of a group waits for the others. */
#define BT_GROUP_MAX_DEFAULT 64
void bt_group_init( bt_info *bi );
void bt_group_destroy( bt_info *bi );
void bt_group_write( bt_info *bi, bt_job *job );

/* back-mdb's table of attribute descriptions (struct mdb_info's mi_ads,
 * mi_adxs, mi_numads; mdb is a struct mdb_info *) around a write
 * transaction that may be aborted: see bt_commit.c. */
int bt_ads_mark( void *mdb );
void bt_ads_unwind( void *mdb, int mark, int high );
/* A transaction nested in back-mdb's write transaction parent (an
 * mdb_op_info), to publish on one write's operation so that the write can
 * fail alone; bt_nested_end merges (keep) or aborts it, unwinds the
 * attribute table when it is not kept, and frees it. */
OpExtra *bt_nested_begin( void *mdb, OpExtra *parent, int *mark );
int bt_nested_end( void *mdb, OpExtra *nested, int mark, int keep );
/* A write committed by its transaction's owner (bt_write.c): views
 * cached before it are stale. */
void bt_note_committed( bt_info *bi, bt_time now );
/* back-mdb's bi_op_txn, as RFC 5805 transactions reach it (bitemporal.c
 * installs it on the database's overlay info). */
int bt_txn_hook( Operation *op, int txnop, OpExtra **ptr );

/* bt_write.c */
int bt_op_write( Operation *op, SlapReply *rs );
int bt_ensure_history( bt_info *bi, MDB_txn *txn, Operation *op,
	slap_overinst *on, Entry *e, bt_uuid *u, bt_time now );
void *bt_activation_mark( Operation *op, const bt_uuid *u, bt_time upto );
extern int bt_activation_key;	/* o_extra key of that mark (an activation's write) */
void bt_activation_unmark( Operation *op, void *mark );

/* bt_search.c */
int bt_op_search( Operation *op, SlapReply *rs );
int bt_operational( Operation *op, SlapReply *rs );

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
 * Returns 0, or non-zero when the history could not be read (fn may have
 * seen part of the database). */
int bt_visit_at( bt_info *bi, Operation *op, bt_time valid_at, bt_time known_at,
	void (*fn)( Entry *e, void *arg ), void *arg );

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
/* the version's entry under its name at vt; NULL on a read error */
Entry *bt_version_entry( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time vt );
/* the entity as it is now (or as it was last, if it is gone) */
Entry *bt_current_entry( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_time now );
/* level on the version and on the entity as it is now; 0 also when the
 * present cannot be read */
int bt_may_see( Operation *op, bt_info *bi, MDB_txn *txn, Entry *version,
	slap_access_t level );
void bt_prune_changed( Operation *op, Entry *e );

/* bt_activate.c */
int bt_activation_start( bt_info *bi, BackendDB *be );
void bt_activation_stop( bt_info *bi );
void bt_retry_init( bt_info *bi );
void bt_retry_destroy( bt_info *bi );
/* Why the live entry of u does not yet show a change that fell due (the
 * value of moActivationError): 0 and buf filled, or -1 if nothing failed. */
int bt_activation_error( bt_info *bi, const bt_uuid *u, char *buf, size_t len );
int bt_bootstrap( bt_info *bi, BackendDB *be );
/* oio.c: the oio overlays stacked above bt_on use bi (NULL: it is gone) */
void oio_bt_attach( slap_overinst *bt_on, bt_info *bi );

#endif /* BITEMPORAL_H */
