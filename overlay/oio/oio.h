/* oio.h - the OIO organisation model overlay: its in-memory model of the
 * live organisation and the derived attributes computed from it.
 *
 * The overlay keeps the inputs of the derived attributes (units, people,
 * engagements, manager posts, addresses, classes) in memory, as they are
 * in the live DIT; every write that reaches the live DIT (client writes and
 * the bitemporal overlay's activations alike) updates the model, the
 * derived values are recomputed in memory, and only the entries whose
 * values changed are written.  A manager change in a unit of 500 people
 * writes those 500 entries and nothing else.
 *
 * Return conventions, one per layer (as in bitemporal_api.h):
 *  - the operation layer (oio_op_*, oio_check_write, oio_cascade,
 *    oio_run_below and the writes it runs below the overlay) returns LDAP
 *    result codes, or SLAP_CB_CONTINUE where slapd's overlay protocol
 *    wants it;
 *  - transactions and the bitemporal API (bi_op_txn, bt_nested_end,
 *    bt_read_begin, bt_rows_*) return LMDB codes, passed on as they are
 *    or turned into other (80) where an operation is answered;
 *  - the in-memory model answers with what it finds (an object, a kind,
 *    a count); booleans are 0/1 named as questions (oio_is_*,
 *    oio_same_values); helpers that only succeed or fail (oio_table_put,
 *    oio_asof_one) return 0 or -1;
 *  - an oio_write_fn returns 0 when it stored the values, non-zero when it
 *    did not (the model then keeps what was stored).
 */
#ifndef OIO_H
#define OIO_H

#include "bitemporal/bitemporal_api.h"	/* never bitemporal.h: that is the overlay's own */
#include "oio_model.h"

/* oio-terminated-managers: what a person's termination does to their
 * manager posts (oio_cascade) */
enum { OIO_TERMINATE_MANAGERS = 0, OIO_VACATE_MANAGERS };

/* Locks of the overlay, in the order of bitemporal.h (struct bt_info):
 *  - back-mdb's writer lock comes before oi_model.mutex.  The writes of
 *    an LDAP transaction (RFC 5805) reach oio_op_write and oio_response
 *    with the writer lock held, and take the mutex; so the mutex is never
 *    held while waiting for the writer lock: oio_derive computes under it
 *    and writes after releasing it.  A termination's cascade
 *    (oio_cascade) runs inside the person's delete, in its transaction,
 *    under the writer lock (a bt_consequence, bitemporal_api.h), maybe
 *    in a group commit leader's thread: it takes no lock of this
 *    overlay, and the model learns what it ended in oio_response.  Held
 *    across reads of the live DIT (entry lookups, model_load's search):
 *    readers never wait for the writer.  oio_cf_rederive takes it in a
 *    paused server.
 *  - oi_asof_lock: held for reading across the as-of search it serves
 *    (which takes the bitemporal overlay's bt_cache_lock, by trylock);
 *    taken for writing by trylock only, so no one ever waits for a
 *    reader.  Never taken with the model mutex held, nor that under it.
 *  - oi_hot_mutex: a leaf, held for a few assignments. */
typedef struct oio_info {
	int oi_internal_addresses;	/* publish "internal" addresses too */
	int oi_manager_policy;		/* OIO_TERMINATE_MANAGERS / OIO_VACATE_MANAGERS */
	oio_model oi_model;			/* the live organisation, tracking what each
								 * change reaches; its mutex guards it (lock
								 * order above) */
	BackendDB *oi_db;
	slap_overinst *oi_on;
	bt_info *oi_bt;				/* the database's bitemporal overlay, if any */
	struct re_s *oi_task;
	/* the organisation at one earlier (or later) point, for as-of reads */
	ldap_pvt_thread_rdwr_t oi_asof_lock;	/* readers search, one writer rebuilds */
	oio_model oi_asof;
	bt_time oi_asof_valid, oi_asof_known;
	unsigned long oi_asof_gen;
	/* base lookups at one point that is not kept: after OIO_ASOF_HOT of
	 * them in a row, one of them builds the organisation there (an IAM
	 * walking its people at a date pays once, not per lookup) */
	ldap_pvt_thread_mutex_t oi_hot_mutex;
	bt_time oi_hot_valid, oi_hot_known;
	unsigned long oi_hot_gen;
	int oi_hot_count;
	/* the bytes of the last organisation at a point that did not fit its
	 * share (0: the last one fitted); while the share stays smaller,
	 * lookups that come often at one point do not build it (atomic) */
	size_t oi_org_too_big;
	size_t oi_org_bytes;		/* of the one kept (atomic): the facts below
								 * borrow the rest of its share */
	/* the entities as-of reads of one entry visited, each with the
	 * stretch of valid time it holds for (oio_asof_cache.c); it has
	 * its own locks, taken alone */
	struct oio_asof_cache *oi_asof_facts;
	/* the derived values these reads computed, each with the stretch it
	 * holds for: ahead of the entities in the same bytes (a read that
	 * finds its values kept needs no entity, and a value kept saves the
	 * forty entities' reads and their derivation) */
	struct oio_asof_cache *oi_asof_values;
	int oi_trim_pending;		/* an organisation at a point was freed, or the
								 * model derived whole: the task hands free
								 * memory back (atomic) */
} oio_info;

/* attribute descriptions looked up at open */
typedef struct oio_ads {
	AttributeDescription *refPerson, *refUnit, *refJobFunction, *refEngagementType,
		*refAddressType, *refVisibility, *refOwner, *refFacet, *primary,
		*userKey, *name, *scope, *addressValue, *ou, *refRelatedUnit, *cprNumber;
	AttributeDescription *derived[D_COUNT];
	ObjectClass *ocOrg, *ocUnit, *ocPerson, *ocEngagement, *ocManager,
		*ocAddress, *ocClass, *ocFacet, *ocRelatedUnits;
} oio_ads;
extern oio_ads oio_ad;
int oio_ads_init( ConfigReply *cr );

/* oio_entry.c: live entries into the model.  oio_model_put records an
 * entry (added, modified, renamed, or read at load) and returns its kind,
 * OIO_OTHER for an entry that is no model object (or one the model could
 * not record: the model is then marked not loaded, to be read again). */
oio_kind oio_kind_of( Entry *e );
/* 1 when ad is a value derived on objects of this kind (the overlay's
 * to write), 0 when not */
int oio_is_derived( AttributeDescription *ad, oio_kind kind );
oio_kind oio_model_put( oio_model *m, Entry *e );
/* oio_model_put without the entry's DN (oio_model_add_unnamed): an
 * engagement, post, address or class in a model built for one read */
oio_kind oio_model_put_unnamed( oio_model *m, Entry *e );
void oio_model_rename( oio_model *m, struct berval *old_ndn,
	struct berval *dn, struct berval *ndn );

/* The schema's view of derived values (oio_value_rules): a value is valid
 * as slapd's modify would take it (syntax), two are one when their
 * normalized forms (the equality rule's) are the same bytes. */
extern const oio_value_rules oio_schema_values;

/* The derivation (oio_model_derive) with the overlay's configuration and
 * the schema. */
static inline int
oio_compute( oio_info *oi, oio_model *m, oio_write_fn *write, void *arg )
{
	return oio_model_derive( m, oi->oi_internal_addresses, &oio_schema_values, write, arg );
}

/* oio_model_derive_changed, the same way: what changed since the last */
static inline int
oio_compute_changed( oio_info *oi, oio_model *m, oio_write_fn *write, void *arg )
{
	return oio_model_derive_changed( m, oi->oi_internal_addresses, &oio_schema_values,
		write, arg );
}

static inline int
oio_compute_one( oio_info *oi, oio_model *m, oio_obj *o, oio_write_fn *write, void *arg )
{
	return oio_model_derive_one( m, oi->oi_internal_addresses, &oio_schema_values, o,
		write, arg );
}

/* oio_asof.c: the derived values of one person or unit e (of kind,
 * oio_kind_of) at (vt, kt), kept from an earlier read of the same stretch
 * (oio_asof_kept: 1, or 0 when none is kept) or computed from the entries
 * they depend on only, read in txn, and kept (oio_asof_compute); both
 * (oio_asof_one).  fn gets the entry, its kind and the values, v[d] and
 * their normalized forms nv[d] (NULL: normalize v[d]) for the attributes d
 * of that kind (oio_derived_names).  compute and one return 0 (also for an
 * entry that has no derived values), or -1 when the history cannot be
 * read. */
typedef void (oio_values_fn)( Entry *e, oio_kind kind, BerVarray *v, BerVarray *nv,
	void *arg );
int oio_asof_kept( oio_info *oi, MDB_txn *txn, bt_time vt, bt_time kt, Entry *e,
	oio_kind kind, oio_values_fn *fn, void *arg );
int oio_asof_compute( oio_info *oi, MDB_txn *txn, bt_time vt, bt_time kt, Entry *e,
	oio_kind kind, oio_values_fn *fn, void *arg );
int oio_asof_one( oio_info *oi, MDB_txn *txn, bt_time vt, bt_time kt, Entry *e,
	oio_kind kind, oio_values_fn *fn, void *arg );
/* The bytes the values these reads computed (oi_asof_values) and the
 * entities they visited (oi_asof_facts) may take together: the share of
 * bitemporal-cache-size for these reads and what the points and the
 * organisation at a point leave unused of theirs (bt_points_spare); the
 * values all of it but half that share, the entities what the values
 * leave.  oio_asof_fit gives back what is over it, as a bt_shrinker
 * does. */
size_t oio_asof_values_max( oio_info *oi );
size_t oio_asof_facts_max( oio_info *oi );
void oio_asof_fit( oio_info *oi );

/* oio_asof_cache.c: what one entity was in a stretch of valid time, as
 * read from snapshot built: u had no version then (!found), or one under
 * parent, registered as sdn/sndn, and if it is an object of the
 * organisation (has_facts) its facts (oio_obj_facts) and strings (name,
 * user key, scope, value: ch_malloc'd or empty).  newest: u's latest
 * registration time (reads that know less cannot use it). */
typedef struct oio_asof_fact {
	bt_uuid u;
	bt_period span;
	bt_time newest;
	size_t built;
	unsigned char found, has_facts;
	unsigned char name_only;	/* only its parent and name were read (kept
								 * for the DN walks: containers above the
								 * units) */
	bt_uuid parent;
	struct berval sdn, sndn;	/* (empty for an object of the organisation
								 * other than a person or unit: no DN walk
								 * passes one, and no rule reads its name) */
	oio_facts facts;
	struct berval strs[4];
} oio_asof_fact;
/* f takes the facts and strings of o */
void oio_asof_fact_of( oio_asof_fact *f, const oio_obj *o );
typedef struct oio_asof_cache oio_asof_cache;
oio_asof_cache *oio_asof_cache_new( void );
void oio_asof_cache_free( oio_asof_cache *c );
/* Forgets everything kept (the history it was read from is gone, or
 * another one took its place) */
void oio_asof_cache_clear( oio_asof_cache *c );
/* drops the least recently used until what is kept fits max bytes */
void oio_asof_cache_fit( oio_asof_cache *c, size_t max );
size_t oio_asof_cache_bytes( oio_asof_cache *c );
void oio_asof_fact_clear( oio_asof_fact *f );
/* What is kept of u for a read of snapshot snap (bt_snapshot_id; 0: none)
 * at (vt, kt), lent to the caller, who must not change it and gives it
 * back with oio_asof_cache_return (it stays valid until then, also when
 * the cache drops it meanwhile); NULL when nothing kept serves that read. */
const oio_asof_fact *oio_asof_cache_lend( oio_asof_cache *c, bt_info *bi,
	const bt_uuid *u, bt_time vt, bt_time kt, size_t snap );
void oio_asof_cache_return( const oio_asof_fact *f );
/* Keeps *f (the cache owns what it holds: *f is emptied) within max bytes
 * in all, least recently used out. */
void oio_asof_cache_put( oio_asof_cache *c, oio_asof_fact *f, size_t max );
/* What refers to target through ad in versions of class oc (NULL: any),
 * as bt_refs_get_class (bt_refs_get) gave it to a read of snapshot built,
 * kept until something new refers to target (bt_refs_unchanged_since):
 * get gives a ch_malloc'd copy (1), or 0; put copies refs. */
int oio_asof_refs_get( oio_asof_cache *c, bt_info *bi, const bt_uuid *target,
	AttributeDescription *ad, ObjectClass *oc, size_t snap, bt_uuid **out, int *n );
void oio_asof_refs_put( oio_asof_cache *c, const bt_uuid *target, AttributeDescription *ad,
	ObjectClass *oc, size_t built, const bt_uuid *refs, int n, size_t max );

/* The instants inside P where the derived values of person e may change:
 * where a version of one of their functions (engagements, posts,
 * addresses) begins or ends.  At most max, in order; -1 when the history
 * cannot be read. */
int oio_asof_cuts( oio_info *oi, MDB_txn *txn, Entry *e, bt_period P,
	bt_time *at, int max );

/* ... and the derived values of a person or unit u over a stretch of
 * valid time, as an as-of read computed them (oio_asof_one), kept with what
 * they were computed from: the slot of every entity read (bt_touch_slot)
 * and of every list of referrers or children (| BT_SLOT_REFS).  They serve
 * a read of snapshot snap at (vt, kt) with vt inside span, kt >= newest, a
 * snapshot no older than built and nothing of deps written since built.
 * put keeps a copy of *in (v and nv: by attribute, those of kind; nothing
 * kept if a count or length does not fit the packed form); give hands
 * the values kept of u that serve the read to fn with e: 1, or 0. */
typedef struct oio_asof_values {
	bt_uuid u;
	bt_period span;
	bt_time newest;
	size_t built;
	oio_kind kind;
	BerVarray *v, *nv;
	const bt_slot *deps;
	int ndeps;
} oio_asof_values;
void oio_asof_values_put( oio_asof_cache *c, const oio_asof_values *in, size_t max );
int oio_asof_values_give( oio_asof_cache *c, bt_info *bi, const bt_uuid *u, bt_time vt,
	bt_time kt, size_t snap, Entry *e, oio_values_fn *fn, void *arg );

/* Derived updates written per transaction by the overlay's task (oio.c,
 * batch_write): one fsync for many entries, while a reorganisation of
 * thousands never becomes one transaction of unbounded size. */
#define OIO_BATCH_MAX 500

/* oio_below.c: internal writes below the overlay */
typedef struct oio_writer {
	Operation *op;			/* template: connection, thread, memory */
	slap_overinst *on;
	oio_info *oi;
	OpExtra *txn;			/* a batch transaction, when deriving */
	bt_actor actor;			/* names the writer in the history */
} oio_writer;
void oio_op_below( oio_writer *w, Operation *op2, BackendDB *db,
	slap_callback *cb, void **ctrls );
int oio_run_below( oio_writer *w, Operation *op2, slap_operation_t which );

/* oio_writer.c: derived values to write, collected by oio_compute (an
 * oio_write_fn: oio_pending_add), written in batches below the overlay
 * without the model's mutex (oio_pending_write), recorded in the model
 * under it once stored (oio_pending_record, returns how many). */
/* One object's derived values to write: computed under the model's mutex,
 * written after it is released, recorded in the model once they are
 * committed (oio_derive). */
typedef struct pending {
	bt_uuid uuid;
	struct berval dn, ndn;
	Modifications *ml;		/* the changes, consumed by the write */
	BerVarray v[D_COUNT];	/* the values, for the model */
	int written;			/* in the batch's transaction */
	int stored;				/* committed */
} pending;

typedef struct pending_list {
	pending *p;
	int n, max;
} pending_list;
int oio_pending_add( oio_model *m, oio_obj *o, BerVarray *v, void *arg );
void oio_pending_free( pending_list *l );
void oio_pending_write( oio_info *oi, Operation *op, pending_list *l );
int oio_pending_record( oio_model *m, pending_list *l );

/* oio_task.c: the runqueue task (oio_task) and one run of it
 * (oio_derive: the model loaded if it is not, what changed derived and
 * written); ctx is the calling thread's pool context. */
void oio_derive( oio_info *oi, void *ctx );
void *oio_task( void *ctx, void *arg );

/* oio_search.c: the overlay's bi_op_search (as-of and history reads) */
int oio_op_search( Operation *op, SlapReply *rs );

/* oio_integrity.c */
/* What the check of a delete learnt, before the write: the entity the
 * delete terminates and whether it is a person during the period ended
 * (then the referrers are not checked: the cascade ends them). */
typedef struct oio_terminated {
	bt_uuid uuid;
	int known;			/* the check resolved the entity */
	int person;
} oio_terminated;
int oio_check_write( Operation *op, SlapReply *rs, oio_info *oi,
	slap_overinst *on, oio_kind kind, oio_terminated *term );
/* Whether the delete of u (in op's transaction) terminates a person:
 * *person; what the check saw (term) for that entity, else its history.
 * Returns an LMDB code. */
int oio_terminates_person( Operation *op, oio_info *oi, const bt_uuid *u,
	const oio_terminated *term, int *person );

/* oio_cascade.c */
/* Ends (or vacates) every function of person from the instant from on,
 * and what those functions own, by writes below the overlay in txn (the
 * person's delete's transaction, published on each); their normalised
 * DNs join *touched.  Returns LDAP_SUCCESS, or the result the termination
 * is refused with, its text in text (len bytes) naming the function that
 * cannot end and why (when the requester of op may see it): 19
 * for a function the rules refuse to end, 80 for one that could not be
 * read or written.  The caller undoes what was written. */
int oio_cascade( Operation *op, oio_info *oi, slap_overinst *on, const bt_uuid *person,
	bt_time from, OpExtra *txn, BerVarray *touched, char *text, size_t len );

#endif /* OIO_H */
