/* oio_model.h - the oio overlay's in-memory model of the organisation at
 * one point (the live DIT, or an as-of point) and the rules that derive
 * the person and unit attributes from it (docs/schema-mapping.md section 7).
 *
 * Nothing declared here uses slapd: an object holds plain fields (its
 * entryUUID and names, the references and strings the rules read), which
 * oio_entry.c fills from entries (live ones, and the versions an as-of
 * read visits); the rules read those fields only, and ask the schema what
 * only slapd knows through oio_value_rules.  That is what lets the rules
 * be tested on small hand-built models (tests/unit/test_oio_rules.c)
 * without a slapd.
 * Memory is liblber's (ber_memalloc and friends; in slapd that is slapd's
 * own allocator, which stops the server when memory runs out, as ch_malloc
 * does).  Names are normalized DNs as slapd makes them: a ',' in a value is
 * escaped as \2C, so the first ',' ends the RDN.
 */
#ifndef OIO_MODEL_H
#define OIO_MODEL_H

#include "portable.h"		/* before ldap_pvt_thread.h: it picks the mutex type */

#include <lber.h>
#include <lber_pvt.h>
#include <ldap_pvt_thread.h>

#include "bitemporal/bt_types.h"
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
	int c_class;				/* class: what the address rules ask of it */
	/* lists of values borrowed from other objects (their DNs, address
	 * values), valid during one computation: the arrays are o's, the
	 * values are not (oio_obj_scratch_free) */
	BerVarray c_reports;		/* person: DNs reporting to them */
	BerVarray c_addr[3];		/* person: mail, telephoneNumber, mobile */
} oio_obj;

typedef struct oio_model {
	ldap_pvt_thread_mutex_t mutex;
	oio_table by_uuid, by_dn;
	int loaded;
} oio_model;

/* oio_model.c: the objects and their two indexes.  An object is
 * ber_memcalloc'd, its bervals ber_memalloc'd; the model owns what is in
 * it.  oio_model_drop takes o out of both indexes and frees it;
 * oio_model_del_dn does that for the object named ndn and returns its kind
 * (OIO_OTHER: none). */
void oio_model_init( oio_model *m );
void oio_model_destroy( oio_model *m );
void oio_model_clear( oio_model *m );
void oio_model_swap( oio_model *a, oio_model *b );
/* what m holds on the heap, about (its objects, their values, the tables) */
size_t oio_model_bytes( oio_model *m );
oio_obj *oio_model_get( oio_model *m, const bt_uuid *u );
oio_obj *oio_model_get_dn( oio_model *m, struct berval *ndn );
oio_kind oio_model_del_dn( oio_model *m, struct berval *ndn );
void oio_model_drop( oio_model *m, oio_obj *o );
void oio_obj_free( oio_obj *o );
/* frees o's scratch lists (c_reports, c_addr): their arrays alone */
void oio_obj_scratch_free( oio_obj *o );

/* What the rules need of the schema, which only slapd knows, for the
 * values of derived attribute d that addresses give (D_MAIL, D_PHONE,
 * D_MOBILE): valid, whether v is a value the attribute can hold (its
 * syntax); same, whether a and b are one value (its equality rule).  slapd
 * refuses a write naming a value the attribute cannot hold, or one value
 * twice, and the person's derived values would never be written.  A NULL
 * member: any value; the same bytes. */
typedef struct oio_value_rules {
	int (*valid)( int d, struct berval *v );
	int (*same)( int d, struct berval *a, struct berval *b );
} oio_value_rules;

/* oio_derive.c: computes every derived value of the people and units of
 * m and calls write for each object whose values differ from what is
 * stored; write returns 0 when it stored them (then the model records them
 * as stored).  publish_internal: addresses of visibility INTERNAL are
 * published too (oio-internal-addresses).  Returns how many objects were
 * written. */
typedef int (oio_write_fn)( oio_obj *o, BerVarray *values, void *arg );
int oio_model_derive( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_write_fn *write, void *arg );

/* The same values in any order (a derived attribute is a set). */
int oio_same_values( BerVarray a, BerVarray b );

#endif /* OIO_MODEL_H */
