/* oio_search.c - as-of and history searches: the derived values of each
 * entry the bitemporal overlay rebuilds, computed for the point shown
 * (a bt_fixup): one by one from what the entry depends on (oio_asof.c), or
 * from the organisation at the point, built once and kept.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "oio.h"

/* As-of reads: the derived values as they were (or will be) at that point,
 * computed from the history of their inputs, not whatever was stored
 * then.  The organisation at (validAt, knownAt) is rebuilt once and kept
 * for the next as-of search at the same point. */

static void
asof_put( Entry *e, void *arg )
{
	oio_model_put( arg, e );
}

static int
asof_keep( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
{
	return 0;	/* computed values become the object's values */
}

/* The derived values v (nv: their normalized forms, where known) replace
 * what the version of e stored, where they differ. */
static void
apply_derived( Entry *e, oio_kind kind, BerVarray *v, BerVarray *nv, void *arg )
{
	int i, first, last;

	oio_derived_range( kind, &first, &last );
	for ( i = first; i <= last; i++ ) {
		Attribute *a = attr_find( e->e_attrs, oio_ad.derived[i] );
		/* mostly what was stored then is what the rules give: keep it */
		if ( a ? oio_same_values( a->a_vals, v[i] ) : !v[i] ) continue;
		attr_delete( &e->e_attrs, oio_ad.derived[i] );
		if ( !v[i] ) continue;
		/* DNs come with their normalized form from the model */
		if ( nv[i] ) attr_merge( e, oio_ad.derived[i], v[i], nv[i] );
		else attr_merge_normalize( e, oio_ad.derived[i], v[i], NULL );
	}
}

/* The values of e's object in m, the organisation at the point. */
static void
apply_from( Entry *e, oio_model *m )
{
	BerVarray v[D_COUNT], nv[D_COUNT];
	oio_obj *o;
	bt_uuid u;

	if ( bt_entry_uuid( e, &u ) || !( o = oio_model_get( m, &u ) ) ) return;
	oio_obj_values_all( m, o, v, nv );
	apply_derived( e, o->kind, v, nv, NULL );
}

/* A whole-organisation search: the entry's object in the model of the
 * point. */
static void
asof_fixup( Operation *op, Entry *e, bt_fixup *fx )
{
	apply_from( e, fx->arg );
}

/* A history listing: where a person's derived values change within a
 * version, the version is listed in pieces (oio_asof.c). */
static int
history_cuts( Operation *op, Entry *e, bt_period P, bt_time *at, int max, bt_fixup *fx )
{
	return oio_asof_cuts( fx->arg, fx->txn, e, P, at, max );
}

/* A base search: only what the entry depends on (oio_asof.c). */
static void
asof_fixup_one( Operation *op, Entry *e, bt_fixup *fx )
{
	if ( oio_asof_one( fx->arg, fx->txn, fx->vt, fx->kt, e, oio_kind_of( e ), apply_derived,
			NULL ) )
		fx->err = 1;
}

/* The rest of the stack answers the search; the bitemporal overlay below
 * hands every entry it rebuilds to fx before the filter sees it. */
static int
search_completed( Operation *op, SlapReply *rs, slap_overinst *on, bt_fixup *fx )
{
	int rc;

	LDAP_SLIST_INSERT_HEAD( &op->o_extra, &fx->oe, oe_next );
	rc = overlay_op_walk( op, rs, op_search, on->on_info, on->on_next );
	op->o_bd->bd_info = (BackendInfo *)on;
	LDAP_SLIST_REMOVE( &op->o_extra, &fx->oe, OpExtra, oe_next );
	return rc;
}

#define OIO_ASOF_HOT 64

/* Whether this base lookup at a point that is not kept is the one that
 * builds it (see oi_hot_count). */
static int
base_point_is_hot( oio_info *oi, bt_time vt, bt_time kt, unsigned long gen )
{
	size_t too_big = __atomic_load_n( &oi->oi_org_too_big, __ATOMIC_RELAXED );
	int hot = 0;

	/* an organisation that would be dropped again is not worth reading
	 * (until the bound grows: bitemporal-cache-size set live) */
	if ( too_big && BT_SHARE_ORG( bt_cache_size( oi->oi_bt ) ) < too_big ) return 0;
	ldap_pvt_thread_mutex_lock( &oi->oi_hot_mutex );
	if ( oi->oi_hot_valid == vt && oi->oi_hot_known == kt && oi->oi_hot_gen == gen ) {
		if ( ++oi->oi_hot_count == OIO_ASOF_HOT ) hot = 1;
	} else {
		oi->oi_hot_valid = vt;
		oi->oi_hot_known = kt;
		oi->oi_hot_gen = gen;
		oi->oi_hot_count = 1;
	}
	ldap_pvt_thread_mutex_unlock( &oi->oi_hot_mutex );
	return hot;
}

/* The point an as-of search asks about, as kept points are keyed. */
typedef struct asof_point {
	bt_time vt, kt;
	unsigned long gen;
} asof_point;

/* under oi_asof_lock (read) */
static int
point_is_kept( oio_info *oi, const asof_point *pt )
{
	return oi->oi_asof.loaded && oi->oi_asof_valid == pt->vt &&
		oi->oi_asof_known == pt->kt && oi->oi_asof_gen == pt->gen;
}

/* The organisation at the point into own, computed; LDAP_OTHER (sent)
 * when it cannot be read whole: an organisation with parts missing would
 * derive wrong values, so no answer rather than a wrong one. */
static int
org_build( Operation *op, SlapReply *rs, oio_info *oi, oio_model *own )
{
	bt_asof *a = bt_asof_of( op );

	oio_model_init( own, 1 );
	if ( bt_visit_at( oi->oi_bt, op, a->valid_at, a->known_at, asof_put, own ) ) {
		oio_model_destroy( own );
		if ( rs ) send_ldap_error( op, rs, LDAP_OTHER,
			"oio: cannot read the organisation at that point" );
		return LDAP_OTHER;
	}
	own->loaded = 1;
	oio_compute( oi, own, asof_keep, NULL );
	return LDAP_SUCCESS;
}

/* Keeps own as the organisation at pt, within its share of
 * bitemporal-cache-size, the one bound of modir's as-of caches; when it
 * does not fit, the one kept from before (a larger bound) goes too.  A
 * search still reading the kept one is not waited for. */
static void
org_keep( oio_info *oi, oio_model *own, const asof_point *pt )
{
	if ( ldap_pvt_thread_rdwr_wtrylock( &oi->oi_asof_lock ) == 0 ) {
		size_t bytes = oio_model_bytes( own ), share = BT_SHARE_ORG( bt_cache_size( oi->oi_bt ) );
		Debug( LDAP_DEBUG_STATS, "oio: the organisation at a point, %lu bytes: %s "
			"(its share of bitemporal-cache-size: %lu)\n", (unsigned long)bytes,
			bytes <= share ? "kept" : "not kept", (unsigned long)share );
		if ( bytes <= share ) {
			oio_model_swap( &oi->oi_asof, own );
			oi->oi_asof_valid = pt->vt;
			oi->oi_asof_known = pt->kt;
			oi->oi_asof_gen = pt->gen;
		} else {
			oio_model_clear( &oi->oi_asof );
		}
		__atomic_store_n( &oi->oi_org_too_big, bytes <= share ? 0 : bytes, __ATOMIC_RELAXED );
		__atomic_store_n( &oi->oi_org_bytes, bytes <= share ? bytes : 0, __ATOMIC_RELAXED );
		ldap_pvt_thread_rdwr_wunlock( &oi->oi_asof_lock );
		oio_asof_fit( oi );	/* what the facts borrowed of its share */
	}
	__atomic_store_n( &oi->oi_trim_pending, 1, __ATOMIC_RELAXED );
}

/* A search over many entries at a point that is not kept takes the
 * values earlier reads computed for the stretch of the point where they
 * are kept, computes those of the first other people and units it sends
 * one by one, from what each depends on (oio_asof.c), and reads the
 * organisation at the point once more than OIO_ASOF_ONES of them, and
 * more than were found kept, need values computed: a search that finds
 * a few (a person by uid or CPR number at a date, the engagements of a
 * unit) reads a few hundred entities, not the whole organisation, and a
 * search of everyone pays for the first few one by one. */
#define OIO_ASOF_ONES 64

typedef struct lazy_org {
	oio_info *oi;
	int ones;			/* entries completed one by one */
	int kept;			/* entries completed from kept values */
	int built;			/* own is the organisation at the point */
	oio_model own;
} lazy_org;

static void
asof_fixup_lazy( Operation *op, Entry *e, bt_fixup *fx )
{
	lazy_org *lo = fx->arg;
	oio_kind kind = oio_kind_of( e );

	if ( kind != OIO_PERSON && kind != OIO_UNIT ) return;	/* nothing derived */
	/* what earlier reads computed for this stretch costs a lookup */
	if ( !lo->built &&
		oio_asof_kept( lo->oi, fx->txn, fx->vt, fx->kt, e, kind, apply_derived, NULL ) ) {
		lo->kept++;
		return;
	}
	/* computed one by one (and kept) while most values are found kept:
	 * one costs about twice its share of the organisation's build */
	if ( !lo->built && ( lo->ones < OIO_ASOF_ONES || lo->ones < lo->kept ) ) {
		lo->ones++;
		if ( oio_asof_compute( lo->oi, fx->txn, fx->vt, fx->kt, e, kind, apply_derived, NULL ) )
			fx->err = 1;
		return;
	}
	/* the walk's read snapshot: bt_visit_at reads through the search's
	 * own reader (bt_read_begin finds it on op) */
	if ( !lo->built ) {
		if ( org_build( op, NULL, lo->oi, &lo->own ) ) {
			fx->err = 1;
			return;
		}
		lo->built = 1;
	}
	apply_from( e, &lo->own );
}

/* The search answered from the organisation kept at pt, if it is the
 * one kept (1, its result in *rc), held for reading meanwhile; wait: wait
 * for a search changing what is kept, else give up at once (0). */
static int
search_kept( Operation *op, SlapReply *rs, slap_overinst *on, bt_fixup *fx,
	const asof_point *pt, int wait, int *rc )
{
	oio_info *oi = on->on_bi.bi_private;
	int kept;

	if ( wait ) ldap_pvt_thread_rdwr_rlock( &oi->oi_asof_lock );
	else if ( ldap_pvt_thread_rdwr_rtrylock( &oi->oi_asof_lock ) ) return 0;
	if ( ( kept = point_is_kept( oi, pt ) ) ) {
		fx->fn = asof_fixup;
		fx->arg = &oi->oi_asof;
		*rc = search_completed( op, rs, on, fx );
	}
	ldap_pvt_thread_rdwr_runlock( &oi->oi_asof_lock );
	return kept;
}

/* A search over many entries: the organisation at the point, kept from
 * an earlier search at the same point, or (lazy) built by the search when
 * it needs it, or built for it, outside any lock (a rebuild never makes
 * another search, a write or a bind wait), and kept afterwards. */
static int
search_whole( Operation *op, SlapReply *rs, slap_overinst *on, bt_fixup *fx,
	const asof_point *pt, int lazy )
{
	oio_info *oi = on->on_bi.bi_private;
	lazy_org lo;
	int rc;

	if ( search_kept( op, rs, on, fx, pt, 1, &rc ) ) return rc;
	memset( &lo, 0, sizeof( lo ) );
	lo.oi = oi;
	if ( lazy ) {
		fx->fn = asof_fixup_lazy;
		fx->arg = &lo;
	} else {
		if ( org_build( op, rs, oi, &lo.own ) ) return rs->sr_err;
		lo.built = 1;
		fx->fn = asof_fixup;
		fx->arg = &lo.own;
	}
	rc = search_completed( op, rs, on, fx );
	if ( lo.built ) {
		org_keep( oi, &lo.own, pt );
		oio_model_destroy( &lo.own );
	}
	return rc;
}

/* A base search: the organisation of the point if it is at hand (an
 * earlier search kept it), the whole of it if lookups keep coming at this
 * point, else only what the entry needs (oio_asof.c). */
static int
search_one( Operation *op, SlapReply *rs, slap_overinst *on, bt_fixup *fx,
	const asof_point *pt )
{
	oio_info *oi = on->on_bi.bi_private;
	int rc;

	/* a base lookup never waits for the kept organisation to change */
	if ( search_kept( op, rs, on, fx, pt, 0, &rc ) ) return rc;
	if ( base_point_is_hot( oi, pt->vt, pt->kt, pt->gen ) )
		return search_whole( op, rs, on, fx, pt, 0 );
	fx->fn = asof_fixup_one;
	fx->arg = oi;
	return search_completed( op, rs, on, fx );
}

int
oio_op_search( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	oio_info *oi = on->on_bi.bi_private;
	asof_point pt;
	bt_fixup fx;
	bt_asof *a;
	bt_time last;

	if ( !oi->oi_bt || !oio_ad.ocPerson ) return SLAP_CB_CONTINUE;
	fx.oe.oe_key = &bt_fixup_key;
	fx.cuts = NULL;
	if ( bt_has_ctrl( op, bt_history_cid ) && !bt_has_ctrl( op, bt_asof_cid ) ) {
		/* versions hold an entry's own facts (bt_computed.c): the derived
		 * values of each are computed for its period */
		fx.fn = asof_fixup_one;
		fx.cuts = history_cuts;
		fx.arg = oi;
		return search_completed( op, rs, on, &fx );
	}
	if ( !bt_has_ctrl( op, bt_asof_cid ) ) return SLAP_CB_CONTINUE;
	a = bt_asof_of( op );
	/* nothing registered after the latest write: "known now" and "known
	 * at any later time" are the same view */
	last = bt_last_write( oi->oi_bt );
	pt.vt = a->valid_at;
	pt.kt = a->known_at > last && last ? last : a->known_at;
	pt.gen = bt_view_generation( oi->oi_bt );
	if ( op->ors_scope == LDAP_SCOPE_BASE ) return search_one( op, rs, on, &fx, &pt );
	return search_whole( op, rs, on, &fx, &pt, 1 );
}
