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
/* The derived attributes of a kind of object: first..last of them (none:
 * first > last) */
void oio_derived_range( oio_kind kind, int *first, int *last );

/* The strings of an object, one block (oio_obj.names): its RDN and
 * normalized RDN, then what the rules read: a unit's ou, a class's moName
 * (name), moUserKey, a class's moScope, an address's moAddressValue. */
enum { OIO_S_RDN, OIO_S_NRDN, OIO_S_NAME, OIO_S_USERKEY, OIO_S_SCOPE, OIO_S_VALUE,
	OIO_S_COUNT };

/* The parent of objects' DNs, held once for all its children (an
 * organisation's functions share one, its people another): its DN and
 * normalized DN (oio_model.c). */
typedef struct oio_parent oio_parent;

/* An object of the model: 136 bytes in the model's pages and one block of
 * strings.  Its DN is its RDN under its parent's DN; its derived values as
 * stored are one 64-bit hash per attribute (they serve only to tell
 * whether what the rules give differs), or the values themselves in a
 * model that keeps them (oio_model_init). */
typedef struct oio_obj {
	bt_uuid uuid;
	unsigned id;			/* index in the model's pages, from 1 (scratch of
							 * the derivation is kept by it) */
	unsigned dn_hash;		/* of its normalized DN, the DN index's hash */
	unsigned char kind;		/* oio_kind */
	unsigned char has_person, primary;
	unsigned char has_visibility;	/* address: absent = public (OS2mo's default) */
	unsigned char change;	/* OIO_CH_*: what must be derived again (a
							 * tracking model; beside the flags, where the
							 * record has room) */
	oio_parent *parent;		/* NULL: a DN of one RDN */
	char *names;			/* OIO_S_COUNT strings, one block (oio_obj_str) */

	/* inputs: the references an object of its kind has (the others read
	 * none of them: the rules and oio_asof.c look at the kind first) */
	union {
		struct { bt_uuid person, unit, jobfn, engtype; };	/* engagement, manager */
		struct { bt_uuid owner, addrtype, visibility; };	/* address */
	};

	/* derived values as they are stored in the live entry (person, unit;
	 * NULL: none): uint64_t[D_COUNT] hashes, or BerVarray[D_COUNT] */
	void *stored;

	/* In a model that tracks what a change reaches (oio_model_track;
	 * oio_depend.c), ids of other objects (0: none), by kind:
	 *  engagement, post: OIO_L_PREV/NEXT in the list of what names its
	 *    person, OIO_L_PREV/NEXT + 2 in that of what names its unit;
	 *  address: OIO_L_PREV/NEXT in the list of what names its owner;
	 *  person: OIO_P_MANAGER whom they reported to at the last derivation,
	 *    OIO_P_PREV/NEXT in that manager's list of reports, OIO_P_REPORTS
	 *    the first of their own;
	 *  unit: OIO_U_MANAGER its own manager (the person of its filled post
	 *    of lowest entryUUID) and OIO_U_PARENT its parent unit, both as of
	 *    the last derivation, OIO_U_INDEX its place in the model's units. */
	unsigned link[4];
} oio_obj;

enum { OIO_L_PREV = 0, OIO_L_NEXT = 1 };
enum { OIO_P_MANAGER = 0, OIO_P_PREV = 1, OIO_P_NEXT = 2, OIO_P_REPORTS = 3 };
enum { OIO_U_MANAGER = 0, OIO_U_INDEX = 1, OIO_U_PARENT = 2 };

/* What a change reaches, marked on the objects it reaches: a person's
 * values (their functions, addresses, manager or reports changed); a
 * unit's own manager, its subtree's values and the people below it who
 * may report elsewhere now; a person's or unit's values alone (a write
 * of them that failed, to try again).  LISTED: in the model's list of
 * changed objects. */
enum { OIO_CH_PERSON = 1, OIO_CH_UNIT = 2, OIO_CH_VALUES = 4, OIO_CH_LISTED = 8 };

/* Objects live in pages of OIO_PAGE that never move: a pointer to one
 * stays valid while it is in the model. */
#define OIO_PAGE 256

typedef struct oio_model {
	ldap_pvt_thread_mutex_t mutex;
	oio_table by_uuid, by_dn;
	oio_table parents;		/* oio_parent by their names */
	oio_obj **pages;
	unsigned npages;
	unsigned nids;			/* ids given out: 1 .. nids - 1 */
	unsigned *free_ids;		/* of objects dropped, to be given again */
	unsigned nfree, maxfree;
	int keeps_values;		/* stored: the values, not their hashes */
	int loaded;

	/* what a change reaches (oio_model_track; oio_depend.c), told by the
	 * model of renames, drops and clears through tracker (NULL: the model
	 * does not track) */
	const struct oio_model_tracker *tracker;
	oio_table refs;			/* by an entryUUID, the first of what names it */
	unsigned *units;		/* ids of the units */
	unsigned nunits, maxunits;
	unsigned *changed;		/* ids of objects marked OIO_CH_LISTED */
	unsigned nchanged, maxchanged;
	int changed_all;		/* everything is to derive again */
	int units_moved;		/* a unit left: others may have a new parent */
} oio_model;

/* oio_model.c: the objects and their two indexes.  The model owns what is
 * in it (liblber's memory).  keeps_values: the stored derived values are
 * kept (as-of models, whose values are read back); else their hashes (the
 * live model, whose values only decide what to write).  oio_model_add puts
 * a new object u named dn/ndn into both indexes (NULL: out of memory);
 * oio_model_set_dn renames o, dropping any other object that the DN index
 * still has under ndn (the live DIT has one entry per name: that one is
 * stale), and returns 0, or -1 when out of memory (o is then dropped).
 * oio_model_add_unnamed puts u into the UUID index only, with no DN (an
 * engagement, post, address or class in a model built for one read: the
 * rules name only people and units by their DNs, and building the DNs of
 * the others at the read's point was a fifth of the read);
 * oio_model_drop takes o out of both indexes and frees it;
 * oio_model_del_dn does that for the object named ndn and returns its kind
 * (OIO_OTHER: none). */
void oio_model_init( oio_model *m, int keeps_values );
void oio_model_destroy( oio_model *m );
void oio_model_clear( oio_model *m );
/* oio_model_clear, keeping the first page of objects when the model has
 * no more, and the indexes' slots when they are few (a model built for
 * each read and used again by its thread: allocating and clearing them
 * again for every read cost more than the read's own objects). */
void oio_model_empty( oio_model *m );
void oio_model_swap( oio_model *a, oio_model *b );
oio_obj *oio_model_add_unnamed( oio_model *m, const bt_uuid *u );
/* oio_model_add with the strings strs (name, user key, scope, value; a
 * NULL bv_val for none) at once, as oio_obj_set_strs would set them after */
oio_obj *oio_model_add_strs( oio_model *m, const bt_uuid *u, struct berval *dn,
	struct berval *ndn, const struct berval strs[4] );
/* what m holds on the heap, about (its pages, strings, values, tables) */
size_t oio_model_bytes( oio_model *m );
oio_obj *oio_model_get( oio_model *m, const bt_uuid *u );
oio_obj *oio_model_get_dn( oio_model *m, struct berval *ndn );
oio_obj *oio_model_by_id( oio_model *m, unsigned id );
/* the object named by o's parent DN, if the model has it */
oio_obj *oio_model_parent( oio_model *m, oio_obj *o );
oio_obj *oio_model_add( oio_model *m, const bt_uuid *u, struct berval *dn, struct berval *ndn );
int oio_model_set_dn( oio_model *m, oio_obj *o, struct berval *dn, struct berval *ndn );
/* oio_model_set_dn in two steps, for renames of many objects: all leave
 * the DN index, then each takes its new names (oio_model_index: 0, or -1
 * with o dropped). */
void oio_model_unindex( oio_model *m, oio_obj *o );
int oio_model_index( oio_model *m, oio_obj *o, struct berval *dn, struct berval *ndn );
oio_kind oio_model_del_dn( oio_model *m, struct berval *ndn );
void oio_model_drop( oio_model *m, oio_obj *o );

/* An object's strings: *out points into the object (valid until its
 * strings or names change), bv_len 0 when it has none. */
void oio_obj_str( const oio_obj *o, int which, struct berval *out );
/* Sets the strings the rules read (NULL or empty: none); its names stay.
 * 0, or -1 when out of memory (nothing changed). */
int oio_obj_set_strs( oio_obj *o, struct berval *name, struct berval *userkey,
	struct berval *scope, struct berval *value );
/* o's DN and normalized DN, ber_memalloc'd (either may be NULL: not wanted) */
void oio_obj_dn( oio_obj *o, struct berval *dn, struct berval *ndn );
/* o's parent's normalized DN (points into the model; empty: none) */
void oio_obj_parent_ndn( oio_obj *o, struct berval *out );
/* Whether o is named ndn. */
int oio_obj_is_named( oio_obj *o, struct berval *ndn );

/* oio_depend.c: what a change reaches.  A model that tracks (the live one)
 * keeps, for every entryUUID that engagements, posts and addresses name,
 * the list of those that name it, and marks what each change reaches
 * (OIO_CH_*): oio_model_derive_changed then derives only that.  Its
 * inputs change through oio_model_set_inputs only; adds, renames and
 * drops mark what they reach themselves.  The lists live in the objects'
 * links (oio_obj.link) and a table of heads; a model that does not track
 * (one built for a read) pays nothing. */
void oio_model_track( oio_model *m );
/* What the model tells a tracker (oio_depend.c; called so, the model does
 * not depend on what tracks it): o took new names; o leaves the model
 * (before it is freed); the model was cleared; the tracker's heap bytes. */
typedef struct oio_model_tracker {
	void (*renamed)( oio_model *m, oio_obj *o );
	void (*dropped)( oio_model *m, oio_obj *o );
	void (*cleared)( oio_model *m );
	size_t (*bytes)( oio_model *m );
} oio_model_tracker;
/* Sets o's kind, its references and flags (those of in: an oio_obj
 * outside any model, as oio_obj_facts gives) and its strings (name, user
 * key, scope, value; NULL: none), marking what the change reaches.  0, or
 * -1 when out of memory (o's strings unchanged). */
int oio_model_set_inputs( oio_model *m, oio_obj *o, oio_kind kind, const oio_obj *in,
	struct berval *strs[4] );
/* o's values are to derive again (a write of them failed) */
void oio_model_change( oio_model *m, oio_obj *o );
/* everything is to derive again (a configuration that the rules read
 * changed, the model was read anew) */
void oio_model_change_all( oio_model *m );
/* whether anything is to derive again */
int oio_model_has_changes( oio_model *m );

/* The derived values as stored: whether v (a set) is what is stored for
 * attribute d; records v as stored (consumed: kept, or hashed and freed,
 * and zeroed); in a model that keeps values, what is stored for d. */
int oio_obj_stored_is( oio_model *m, oio_obj *o, int d, BerVarray v );
void oio_obj_store( oio_model *m, oio_obj *o, BerVarray *v );
/* In a model that keeps values, after oio_obj_store: the normalized forms
 * of the DN-valued ones (nv[d] NULL: not known), consumed as v is;
 * oio_obj_nvalues gives them back (NULL: not known, normalize the values) */
void oio_obj_store_norm( oio_model *m, oio_obj *o, BerVarray *nv );
/* records v (not consumed: copied or hashed) as what is stored for d */
void oio_obj_store_one( oio_model *m, oio_obj *o, int d, BerVarray v );
BerVarray oio_obj_values( oio_model *m, oio_obj *o, int d );
BerVarray oio_obj_nvalues( oio_model *m, oio_obj *o, int d );
/* both, for every attribute derived on o's kind (oio_derived_range; in oio_derive.c): v[d],
 * nv[d] */
void oio_obj_values_all( oio_model *m, oio_obj *o, BerVarray *v, BerVarray *nv );

/* What a cache of entities at a point keeps of o (oio_asof_cache.c): its
 * kind, flags and references, without what only a model gives it (id,
 * names, parent, stored values, links: half of an oio_obj, and the cache
 * keeps tens of thousands); its strings are kept apart (oio_obj_str).
 * Given back to an object just added (oio_model_add). */
typedef struct oio_facts {
	unsigned char kind, has_person, primary, has_visibility;
	bt_uuid refs[4];	/* the union of oio_obj, in its order */
} oio_facts;
void oio_obj_facts( const oio_obj *o, oio_facts *facts );
void oio_obj_set_facts( oio_obj *o, const oio_facts *facts );

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
 * written.  What a tracking model keeps for the derivations of what
 * changed (oio_depend.c) is neither read nor changed. */
typedef int (oio_write_fn)( oio_model *m, oio_obj *o, BerVarray *values, void *arg );
int oio_model_derive( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_write_fn *write, void *arg );
/* The same for object o of m alone (the others' values are not computed:
 * what o's depend on is, so o gets what oio_model_derive would give it). */
int oio_model_derive_one( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_obj *o, oio_write_fn *write, void *arg );

/* The same for what changed since the last derivation of a tracking
 * model (oio_depend.c), with the same result as oio_model_derive: every
 * person and unit whose values the changes reach, and only those (all of
 * them when the model changed as a whole, or does not track). */
int oio_model_derive_changed( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_write_fn *write, void *arg );

/* oio_model.c: the same values in any order (a derived attribute is a set). */
int oio_same_values( BerVarray a, BerVarray b );

#endif /* OIO_MODEL_H */
