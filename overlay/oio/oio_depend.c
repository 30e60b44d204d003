/* oio_depend.c - what a change of the live model reaches, so that the
 * overlay's task derives only that (oio_model_derive_changed), not the
 * whole organisation after every second of writes.
 *
 * Why: a derivation over every object cost 0.08 s at 25,000 employees
 * and 0.58 s at 100,000 (cache misses over ~400,000 objects), once per
 * second while writes come, holding the model's mutex that writes take
 * (issue 12: the load and a single writer did not scale).  A change
 * reaches few objects: an engagement its person; an address its owner; a
 * post its unit, and through the unit's manager the people below it; a
 * person's rename those who name them.
 *
 * What is kept (in a model that tracks: the live one):
 *  - for every entryUUID that engagements, posts and addresses name, two
 *    lists of what names it (by person or owner; by unit), doubly linked
 *    through the objects' links (oio_model.h) from a head in m->refs: a
 *    person's functions and addresses, a unit's functions, in a few steps
 *    whether or not the person or unit itself is in the model;
 *  - each person's manager as of the last derivation and the list of
 *    their reports (what oio_derive.c's reports pass gives), each unit's
 *    own manager and parent unit as of the last derivation, and the list
 *    of units;
 *  - the objects a change reached since the last derivation, marked
 *    (OIO_CH_*) and listed.
 * Marks are conservative: reaching too much costs time, reaching too little
 * would leave a stale value, which tests/unit/test_oio_rules.c checks
 * against the whole derivation after long runs of random changes.
 *
 * The rules of what reaches what (oio_derive.c reads exactly these):
 *  engagement  -> its person (old and new): their primary engagement,
 *                 title, unit, manager, active;
 *  address     -> its owner (old and new);
 *  post        -> its unit (old and new): the unit's own manager;
 *  unit        -> itself, when its strings, kind or parent change; at the
 *                 derivation a unit so marked reaches its subtree's units
 *                 (paths, inherited managers), the people engaged in it and
 *                 in the units below it that have no manager of their own,
 *                 and the managers of the first units below that have one
 *                 (they report upwards);
 *  person      -> itself when added; when renamed or dropped, the units
 *                 of their posts, their reports and their manager (who
 *                 name them);
 *  class       -> everything (rare; every person may read it);
 *  a person whose manager changes -> the old and the new manager (their
 *                 reports).
 *
 * Called with the model's mutex held, as everything on the model.
 */
#include "portable.h"

#include <ac/string.h>

#include "oio_model.h"
#include "oio_depend.h"

/* The head of the two lists of what names one entryUUID. */
typedef struct refs_head {
	bt_uuid u;
	unsigned first[2];		/* 0: by person or owner; 1: by unit */
} refs_head;

static void
key_refs( const void *item, const void **key, size_t *len )
{
	*key = ( (const refs_head *)item )->u.u;
	*len = BT_UUID_LEN;
}

static int
uuid_zero( const bt_uuid *u )
{
	static const bt_uuid zero;
	return memcmp( u->u, zero.u, BT_UUID_LEN ) == 0;
}

static int
uuid_eq( const bt_uuid *a, const bt_uuid *b )
{
	return memcmp( a->u, b->u, BT_UUID_LEN ) == 0;
}


/* ------------------------------------------------------------------ */
/* Marks */

static void
mark( oio_model *m, oio_obj *o, int what )
{
	if ( m->changed_all ) return;	/* all is derived: nothing to list */
	o->change |= what;
	if ( o->change & OIO_CH_LISTED ) return;
	if ( m->nchanged == m->maxchanged ) {
		unsigned max = m->maxchanged ? 2 * m->maxchanged : 256;
		unsigned *ids = ber_memrealloc( m->changed, max * sizeof( *ids ) );
		if ( !ids ) {
			m->changed_all = 1;		/* cannot list it: derive all */
			return;
		}
		m->changed = ids;
		m->maxchanged = max;
	}
	m->changed[m->nchanged++] = o->id;
	o->change |= OIO_CH_LISTED;
}

void
oio_depend_mark( oio_model *m, oio_obj *o, int what )
{
	mark( m, o, what );
}

void
oio_model_change( oio_model *m, oio_obj *o )
{
	if ( m->tracker ) mark( m, o, OIO_CH_VALUES );
}

void
oio_model_change_all( oio_model *m )
{
	m->changed_all = 1;
}

int
oio_model_has_changes( oio_model *m )
{
	return m->tracker ? m->changed_all || m->nchanged : 1;
}

/* the object named u, if it is a person (unit): marked */
static void
mark_person( oio_model *m, const bt_uuid *u, int what )
{
	oio_obj *o = uuid_zero( u ) ? NULL : oio_model_get( m, u );
	if ( o && o->kind == OIO_PERSON ) mark( m, o, what );
}

static void
mark_unit( oio_model *m, const bt_uuid *u )
{
	oio_obj *o = uuid_zero( u ) ? NULL : oio_model_get( m, u );
	if ( o && o->kind == OIO_UNIT ) mark( m, o, OIO_CH_UNIT );
}

/* ------------------------------------------------------------------ */
/* The lists of what names an entryUUID */

unsigned
oio_depend_first( oio_model *m, const bt_uuid *u, int list )
{
	refs_head *h = oio_table_find( &m->refs, u->u, BT_UUID_LEN );
	return h ? h->first[list] : 0;
}

/* the entryUUID o is listed under in list (zero: none) */
static const bt_uuid *
list_key( oio_obj *o, int list )
{
	switch ( o->kind ) {
	case OIO_ENGAGEMENT:
	case OIO_MANAGER:
		return list == OIO_DEPEND_BY_PERSON ? &o->person : &o->unit;
	case OIO_ADDRESS:
		return list == OIO_DEPEND_BY_PERSON ? &o->owner : NULL;
	default:
		return NULL;
	}
}

static int
list_link( oio_model *m, oio_obj *o, int list )
{
	const bt_uuid *u = list_key( o, list );
	unsigned *l = &o->link[2 * list];
	refs_head *h;

	if ( !u || uuid_zero( u ) ) return 0;
	if ( !( h = oio_table_find( &m->refs, u->u, BT_UUID_LEN ) ) ) {
		if ( !( h = ber_memcalloc( 1, sizeof( *h ) ) ) ) return -1;
		h->u = *u;
		if ( oio_table_put( &m->refs, h ) ) {
			ber_memfree( h );
			return -1;
		}
	}
	l[OIO_L_PREV] = 0;
	l[OIO_L_NEXT] = h->first[list];
	if ( h->first[list] )
		oio_model_by_id( m, h->first[list] )->link[2 * list + OIO_L_PREV] = o->id;
	h->first[list] = o->id;
	return 0;
}

/* Takes o out of list (if it is in it: a link that failed left it out). */
static void
list_unlink( oio_model *m, oio_obj *o, int list )
{
	const bt_uuid *u = list_key( o, list );
	unsigned *l = &o->link[2 * list];
	refs_head *h;

	if ( !u || uuid_zero( u ) ) return;
	h = oio_table_find( &m->refs, u->u, BT_UUID_LEN );
	if ( l[OIO_L_PREV] ) {
		oio_model_by_id( m, l[OIO_L_PREV] )->link[2 * list + OIO_L_NEXT] = l[OIO_L_NEXT];
	} else if ( h && h->first[list] == o->id ) {
		h->first[list] = l[OIO_L_NEXT];
	} else {
		return;		/* not in it */
	}
	if ( l[OIO_L_NEXT] )
		oio_model_by_id( m, l[OIO_L_NEXT] )->link[2 * list + OIO_L_PREV] = l[OIO_L_PREV];
	l[OIO_L_PREV] = l[OIO_L_NEXT] = 0;
	if ( h && !h->first[0] && !h->first[1] ) {
		oio_table_del_item( &m->refs, h );
		ber_memfree( h );
	}
}

/* ------------------------------------------------------------------ */
/* Reports and units */

void
oio_depend_set_manager( oio_model *m, oio_obj *p, oio_obj *mgr )
{
	unsigned *l = p->link, was = l[OIO_P_MANAGER];
	oio_obj *old = oio_model_by_id( m, was );

	if ( was == ( mgr ? mgr->id : 0 ) ) return;
	if ( l[OIO_P_PREV] )
		oio_model_by_id( m, l[OIO_P_PREV] )->link[OIO_P_NEXT] = l[OIO_P_NEXT];
	else if ( old && old->link[OIO_P_REPORTS] == p->id )
		old->link[OIO_P_REPORTS] = l[OIO_P_NEXT];
	if ( l[OIO_P_NEXT] )
		oio_model_by_id( m, l[OIO_P_NEXT] )->link[OIO_P_PREV] = l[OIO_P_PREV];
	if ( old && old->kind == OIO_PERSON ) mark( m, old, OIO_CH_VALUES );
	l[OIO_P_MANAGER] = l[OIO_P_PREV] = l[OIO_P_NEXT] = 0;
	if ( !mgr ) return;
	l[OIO_P_MANAGER] = mgr->id;
	l[OIO_P_NEXT] = mgr->link[OIO_P_REPORTS];
	if ( l[OIO_P_NEXT] ) oio_model_by_id( m, l[OIO_P_NEXT] )->link[OIO_P_PREV] = p->id;
	mgr->link[OIO_P_REPORTS] = p->id;
	mark( m, mgr, OIO_CH_VALUES );
}

static int
units_add( oio_model *m, oio_obj *u )
{
	if ( m->nunits == m->maxunits ) {
		unsigned max = m->maxunits ? 2 * m->maxunits : 64;
		unsigned *ids = ber_memrealloc( m->units, max * sizeof( *ids ) );
		if ( !ids ) return -1;
		m->units = ids;
		m->maxunits = max;
	}
	u->link[OIO_U_INDEX] = m->nunits;
	m->units[m->nunits++] = u->id;
	return 0;
}

static void
units_remove( oio_model *m, oio_obj *u )
{
	unsigned i = u->link[OIO_U_INDEX];

	if ( i >= m->nunits || m->units[i] != u->id ) return;
	m->units[i] = m->units[--m->nunits];
	oio_model_by_id( m, m->units[i] )->link[OIO_U_INDEX] = i;
	/* the units below it (if any) now have another parent: the next
	 * derivation compares every unit's parent with the one it had */
	m->units_moved = 1;
}

/* ------------------------------------------------------------------ */
/* Changes */

/* What names person p's DN (their manager, their reports, and through
 * the units whose post they hold, the people below those) and the units
 * they manage. */
static void
person_named( oio_model *m, oio_obj *p, int reports_what )
{
	unsigned id;
	oio_obj *f, *r;

	for ( id = oio_depend_first( m, &p->uuid, OIO_DEPEND_BY_PERSON ); id; id = f->link[OIO_L_NEXT] ) {
		f = oio_model_by_id( m, id );
		if ( f->kind == OIO_MANAGER && uuid_eq( &f->person, &p->uuid ) ) mark_unit( m, &f->unit );
	}
	for ( id = p->link[OIO_P_REPORTS]; id; id = r->link[OIO_P_NEXT] ) {
		r = oio_model_by_id( m, id );
		mark( m, r, reports_what );
	}
	if ( ( r = oio_model_by_id( m, p->link[OIO_P_MANAGER] ) ) && r->kind == OIO_PERSON )
		mark( m, r, OIO_CH_VALUES );
}

/* What o reaches alike when it comes and when it goes: a function (an
 * engagement, post or address) what it names (an engagement's or
 * address's person, a post's unit); a class everything. */
static void
reach_named( oio_model *m, oio_obj *o )
{
	switch ( o->kind ) {
	case OIO_MANAGER:
		mark_unit( m, &o->unit );
		break;
	case OIO_ENGAGEMENT:
	case OIO_ADDRESS:
		mark_person( m, o->kind == OIO_ADDRESS ? &o->owner : &o->person, OIO_CH_PERSON );
		break;
	case OIO_CLASS:
		m->changed_all = 1;
		break;
	default:
		break;
	}
}

/* o stops being what it is (its inputs change, or it leaves the model) */
static void
leave( oio_model *m, oio_obj *o )
{
	unsigned id;
	oio_obj *r;

	reach_named( m, o );
	switch ( o->kind ) {
	case OIO_PERSON:
		/* their reports report to someone else now */
		person_named( m, o, OIO_CH_PERSON );
		while ( ( id = o->link[OIO_P_REPORTS] ) ) {
			r = oio_model_by_id( m, id );
			o->link[OIO_P_REPORTS] = r->link[OIO_P_NEXT];
			r->link[OIO_P_MANAGER] = r->link[OIO_P_PREV] = r->link[OIO_P_NEXT] = 0;
		}
		oio_depend_set_manager( m, o, NULL );
		break;
	case OIO_UNIT:
		for ( id = oio_depend_first( m, &o->uuid, OIO_DEPEND_BY_UNIT ); id; id = r->link[2 + OIO_L_NEXT] ) {
			r = oio_model_by_id( m, id );
			if ( r->kind == OIO_ENGAGEMENT ) mark_person( m, &r->person, OIO_CH_PERSON );
		}
		units_remove( m, o );
		break;
	default:
		break;
	}
	list_unlink( m, o, OIO_DEPEND_BY_PERSON );
	list_unlink( m, o, OIO_DEPEND_BY_UNIT );
	memset( o->link, 0, sizeof( o->link ) );
}

/* o has become what it is: -1 when out of memory (o then left again) */
static int
enter( oio_model *m, oio_obj *o )
{
	if ( list_link( m, o, OIO_DEPEND_BY_PERSON ) || list_link( m, o, OIO_DEPEND_BY_UNIT ) ) goto lost;
	reach_named( m, o );
	switch ( o->kind ) {
	case OIO_PERSON:
		mark( m, o, OIO_CH_PERSON );
		person_named( m, o, OIO_CH_VALUES );	/* posts that named them already */
		break;
	case OIO_UNIT:
		if ( units_add( m, o ) ) goto lost;
		mark( m, o, OIO_CH_UNIT );
		/* people engaged in it before it came */
		break;
	default:
		break;
	}
	return 0;
lost:
	leave( m, o );
	o->kind = OIO_OTHER;
	return -1;
}

/* Whether in (with strs) is what o has. */
static int
same_inputs( oio_obj *o, oio_kind kind, const oio_obj *in, struct berval *strs[4] )
{
	static const int which[4] = { OIO_S_NAME, OIO_S_USERKEY, OIO_S_SCOPE, OIO_S_VALUE };
	int i;

	if ( o->kind != kind || o->primary != in->primary || o->has_person != in->has_person ||
		o->has_visibility != in->has_visibility ||
		!uuid_eq( &o->person, &in->person ) || !uuid_eq( &o->unit, &in->unit ) ||
		!uuid_eq( &o->jobfn, &in->jobfn ) || !uuid_eq( &o->engtype, &in->engtype ) )
		return 0;
	for ( i = 0; i < 4; i++ ) {
		struct berval have;
		ber_len_t len = strs[i] ? strs[i]->bv_len : 0;
		oio_obj_str( o, which[i], &have );
		if ( have.bv_len != len || ( len && memcmp( have.bv_val, strs[i]->bv_val, len ) ) )
			return 0;
	}
	return 1;
}

int
oio_model_set_inputs( oio_model *m, oio_obj *o, oio_kind kind, const oio_obj *in,
	struct berval *strs[4] )
{
	int tracks = m->tracker != NULL;

	if ( tracks ) {
		if ( same_inputs( o, kind, in, strs ) ) return 0;
		leave( m, o );
	}
	o->kind = kind;
	o->primary = in->primary;
	o->has_person = in->has_person;
	o->has_visibility = in->has_visibility;
	/* the union of references: these four cover the address's three */
	o->person = in->person;
	o->unit = in->unit;
	o->jobfn = in->jobfn;
	o->engtype = in->engtype;
	if ( oio_obj_set_strs( o, strs[0], strs[1], strs[2], strs[3] ) ) {
		o->kind = OIO_OTHER;
		return -1;
	}
	return tracks ? enter( m, o ) : 0;
}

static void
oio_depend_renamed( oio_model *m, oio_obj *o )
{
	if ( o->kind == OIO_PERSON ) person_named( m, o, OIO_CH_VALUES );
	else if ( o->kind == OIO_UNIT ) mark( m, o, OIO_CH_UNIT );
}

static void
oio_depend_dropped( oio_model *m, oio_obj *o )
{
	leave( m, o );
}

void
oio_depend_done( oio_model *m )
{
	unsigned i;

	for ( i = 0; i < m->nchanged; i++ ) {
		oio_obj *o = oio_model_by_id( m, m->changed[i] );
		if ( o ) o->change = 0;
	}
	m->nchanged = 0;
	m->changed_all = 0;
	m->units_moved = 0;
}

static void
oio_depend_clear( oio_model *m )
{
	unsigned pos = 0;
	void *h;

	while ( ( h = oio_table_next( &m->refs, &pos ) ) ) ber_memfree( h );
	oio_table_clear( &m->refs );
	ber_memfree( m->units );
	ber_memfree( m->changed );
	m->units = m->changed = NULL;
	m->nunits = m->maxunits = m->nchanged = m->maxchanged = 0;
	m->changed_all = 1;		/* a tracking model read anew is derived whole */
	m->units_moved = 0;
}

static size_t
oio_depend_bytes( oio_model *m )
{
	return m->refs.size * sizeof( void * ) + m->refs.count * sizeof( refs_head ) +
		( m->maxunits + m->maxchanged ) * sizeof( unsigned );
}

/* What the model tells this file (oio_model.h) */
static const oio_model_tracker tracker = {
	oio_depend_renamed, oio_depend_dropped, oio_depend_clear, oio_depend_bytes
};

void
oio_model_track( oio_model *m )
{
	m->tracker = &tracker;
	oio_table_init( &m->refs, key_refs );
	m->changed_all = 1;
}
