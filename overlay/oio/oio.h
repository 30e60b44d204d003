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
 */
#ifndef OIO_H
#define OIO_H

#include "bitemporal/bitemporal_api.h"	/* never bitemporal.h: that is the overlay's own */
#include "oio_table.h"

typedef enum oio_kind {
	OIO_OTHER = 0,
	OIO_ORG,
	OIO_UNIT,
	OIO_PERSON,
	OIO_ENGAGEMENT,
	OIO_MANAGER,
	OIO_ADDRESS,
	OIO_CLASS,
	OIO_FACET
} oio_kind;

/* The derived attributes, in the order of oio_derived_names. */
enum {
	D_TITLE = 0, D_OU, D_DEPARTMENT, D_EMPLOYEE_NUMBER, D_EMPLOYEE_TYPE,
	D_MANAGER, D_MAIL, D_PHONE, D_MOBILE, D_ACTIVE, D_DIRECT_REPORTS,
	D_PERSON_LAST = D_DIRECT_REPORTS,
	D_UNIT_PATH, D_UNIT_MANAGER, D_UNIT_MANAGER_DN,
	D_COUNT
};
extern const char *const oio_derived_names[D_COUNT];

typedef struct oio_obj {
	bt_uuid uuid;
	oio_kind kind;
	struct berval dn, ndn;

	/* inputs */
	bt_uuid person, unit, jobfn, engtype, addrtype, visibility, owner, facet;
	int has_person, primary;
	int has_visibility;		/* address: absent = public (OS2mo's default) */
	struct berval name;		/* unit: ou; class: moName; org: o */
	struct berval userkey;	/* moUserKey */
	struct berval scope;	/* class: moScope */
	struct berval value;	/* address: moAddressValue */

	/* derived values as they are stored in the live entry */
	BerVarray stored[D_COUNT];

	/* scratch, valid during one computation */
	struct oio_obj *c_primary;	/* person: primary engagement */
	struct oio_obj *c_manager;	/* unit: its own filled post's person */
	struct oio_obj *c_parent;	/* unit: parent unit */
	bt_uuid c_mgr_post;			/* unit: uuid of that post (lowest wins) */
	int c_active;
	BerVarray c_reports;		/* person: DNs reporting to them */
	BerVarray c_addr[3];		/* person: mail, telephoneNumber, mobile */
} oio_obj;

typedef struct oio_model {
	ldap_pvt_thread_mutex_t mutex;
	oio_table by_uuid, by_dn;
	int loaded;
} oio_model;

typedef struct oio_info {
	int oi_internal_addresses;	/* publish "internal" addresses too */
	int oi_manager_policy;		/* OIO_TERMINATE_MANAGERS / OIO_VACATE_MANAGERS */
	oio_model oi_model;
	BackendDB *oi_db;
	slap_overinst *oi_on;
	bt_info *oi_bt;				/* the database's bitemporal overlay, if any */
	struct re_s *oi_task;
	int oi_dirty;				/* inputs changed since the last computation */
	/* the organisation at one earlier (or later) point, for as-of reads */
	ldap_pvt_thread_rdwr_t oi_asof_lock;	/* readers search, one writer rebuilds */
	oio_model oi_asof;
	bt_time oi_asof_valid, oi_asof_known;
	unsigned long oi_asof_gen;
	int oi_reload;				/* names changed: read the model again */
	/* base lookups at one point that is not kept: after OIO_ASOF_HOT of
	 * them in a row, one of them builds the organisation there (an IAM
	 * walking its people at a date pays once, not per lookup) */
	ldap_pvt_thread_mutex_t oi_hot_mutex;
	bt_time oi_hot_valid, oi_hot_known;
	unsigned long oi_hot_gen;
	int oi_hot_count;
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

/* oio_model.c */
void oio_model_init( oio_model *m );
void oio_model_destroy( oio_model *m );
oio_kind oio_kind_of( Entry *e );
oio_kind oio_model_put( oio_model *m, Entry *e );
oio_obj *oio_model_get( oio_model *m, const bt_uuid *u );
oio_obj *oio_model_get_dn( oio_model *m, struct berval *ndn );
oio_kind oio_model_del_dn( oio_model *m, struct berval *ndn );
void oio_model_rename( oio_model *m, struct berval *old_ndn,
	struct berval *dn, struct berval *ndn );
void oio_model_clear( oio_model *m );
/* what m holds on the heap, about (its objects, their values, the tables) */
size_t oio_model_bytes( oio_model *m );
void oio_model_swap( oio_model *a, oio_model *b );

/* Computes every derived value and calls write for each object whose
 * values differ from what is stored; write returns 0 when it stored them
 * (then the model records them as stored). */
typedef int (oio_write_fn)( oio_obj *o, BerVarray *values, void *arg );
int oio_compute( oio_info *oi, oio_model *m, oio_write_fn *write, void *arg );
int oio_same_values( BerVarray a, BerVarray b );

/* oio_asof.c: the derived values of one person or unit at (vt, kt), from
 * the entries they depend on only, read in txn; fn gets the entry and its
 * object with the computed values in stored[].  Returns 0 (also for an
 * entry that has no derived values), or -1 when the history cannot be
 * read. */
typedef void (oio_obj_values_fn)( Entry *e, oio_obj *o, void *arg );
int oio_asof_one( oio_info *oi, MDB_txn *txn, bt_time vt, bt_time kt, Entry *e,
	oio_obj_values_fn *fn, void *arg );

/* The instants inside P where the derived values of person e may change:
 * where a version of one of their functions (engagements, posts,
 * addresses) begins or ends.  At most max, in order; -1 when the history
 * cannot be read. */
int oio_asof_cuts( oio_info *oi, MDB_txn *txn, Entry *e, bt_period P,
	bt_time *at, int max );

/* oio.c: internal writes below the overlay */
typedef struct oio_writer {
	Operation *op;			/* template: connection, thread, memory */
	slap_overinst *on;
	oio_info *oi;
	OpExtra *txn;			/* a batch transaction, when loading */
	int in_txn;
	int failed;
	bt_actor actor;			/* names the writer in the history */
} oio_writer;
void oio_op_below( oio_writer *w, Operation *op2, BackendDB *db,
	slap_callback *cb, void **ctrls );
int oio_run_below( oio_writer *w, Operation *op2, slap_operation_t which );
int oio_is_derived( AttributeDescription *ad, oio_kind kind );

/* oio_integrity.c */
int oio_check_write( Operation *op, SlapReply *rs, oio_info *oi,
	slap_overinst *on, oio_kind kind );
int oio_cascade( Operation *op, oio_info *oi, slap_overinst *on, bt_uuid *person,
	BerVarray *touched );

#endif /* OIO_H */
