/* bt_search.c - reading the history: as-of searches, history listings and
 * the validity attributes of live entries.
 *
 * An as-of search (control ...3.2) runs entirely on the history: the base
 * is resolved by the names of that time, the scope is walked through the
 * names table (children at that point in time), and the filter is
 * evaluated on the reconstructed entries, so entries that are gone now are
 * found and entries that did not exist yet are not.  Plain searches never
 * come here: the live DIT answers them with no overhead but the
 * operational-attribute hook, which does nothing unless moValidFrom & co.
 * are asked for.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

int bt_fixup_key;

/* One text per answer, so that a hidden entry reads like an absent one */
#define BT_TEXT_NO_ENTRY_AT  "no such entry at the given point in time"
#define BT_TEXT_NEVER_NAMED  "no entry ever had this name"

typedef struct bt_walk {
	void (*visit)( Entry *e, void *arg );	/* instead of sending */
	void *visit_arg;
	bt_cache *collect;		/* keep every entry in this point instead */
	int uncacheable;		/* more entries than the cache may hold */
	bt_fixup *fixup;
	int complete_late;	/* the filter tests no computed attribute: only
						 * entries that match are completed (fixup) */
	Operation *as_root;	/* the search as the rootdn would make it, to test
						 * the filter on values alone; NULL: no rootdn */
	Operation *op;
	SlapReply *rs;
	bt_info *bi;
	MDB_txn *txn;
	bt_time vt, kt;
	int history;		/* list every version instead of one point */
	int stop;			/* abandoned, size limit, send error */
	int err;			/* the search's result (LDAP) */
	const char *errtext;
	int read_err;		/* why the history could not be read (LMDB) */
	/* entities already listed (history listings may reach one entity
	 * through several of its past names) */
	bt_uuid *seen;
	int nseen, maxseen;
} bt_walk;

static int
seen_before( bt_walk *w, const bt_uuid *u )
{
	int i;

	for ( i = 0; i < w->nseen; i++ )
		if ( memcmp( &w->seen[i], u, sizeof( *u ) ) == 0 ) return 1;
	if ( w->nseen == w->maxseen ) {
		w->maxseen = w->maxseen ? w->maxseen * 2 : 64;
		w->seen = ch_realloc( w->seen, w->maxseen * sizeof( bt_uuid ) );
	}
	w->seen[w->nseen++] = *u;
	return 0;
}

/* Whether a version is the entity as it is now (valid now, known now):
 * then seeing it as it was is seeing it as it is. */
static int
is_current( bt_period valid, bt_time superseded )
{
	return superseded == BT_INFINITY && bt_period_contains( valid, slap_get_time() );
}

static void walk_fail( bt_walk *w, int rc );

static int complete( bt_walk *w, Entry *e, bt_time vt, bt_time kt );

/* Sends e (slapd applies the attribute ACLs); a size limit or a client
 * that is gone stops the walk. */
static void
send_entry( bt_walk *w, Entry *e )
{
	Operation *op = w->op;
	SlapReply *rs = w->rs;
	int rc;

	rs->sr_entry = e;
	rs->sr_attrs = op->ors_attrs;
	rs->sr_flags = 0;
	rs->sr_err = LDAP_SUCCESS;
	rc = send_search_entry( op, rs );
	rs->sr_entry = NULL;
	rs->sr_attrs = NULL;
	switch ( rc ) {
	case LDAP_SUCCESS:
		break;
	case LDAP_SIZELIMIT_EXCEEDED:
		w->stop = 1;
		w->err = LDAP_SIZELIMIT_EXCEEDED;
		break;
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY:
		w->stop = 1;
		w->err = rc;
		break;
	default:
		break;
	}
}

/* Whether e's values match the filter, rights aside: the filter tested
 * as the rootdn would (slapd's ACLs let the rootdn test everything).  In
 * three-valued logic a right withheld only turns a test undefined, which
 * can turn a match into no match, never the reverse: an entry whose
 * values do not match cannot match for any reader.  A database without a
 * rootdn gets no such test (1: every entry may match). */
static int
values_match( bt_walk *w, Entry *e )
{
	return !w->as_root ||
		test_filter( w->as_root, e, w->as_root->ors_filter ) == LDAP_COMPARE_TRUE;
}

/* Sends one entry if the client may see it and it matches.  current:
 * the entry is the entity as it is now (is_current() of its version);
 * late: e is not complete yet (bt_fixup), and the filter tests none of
 * what completing adds: an entry whose values do not match is not
 * completed, one that does is completed before anything is decided for
 * the reader (ACLs may name the values completing adds: a "filter=" on a
 * derived title, "dnattr=manager"). */
static void
send_one( bt_walk *w, Entry *e, int current, int late )
{
	Operation *op = w->op;
	int rc;

	if ( op->o_abandon ) {
		w->stop = 1;
		w->err = SLAPD_ABANDON;
		return;
	}
	if ( late && ( !values_match( w, e ) || complete( w, e, w->vt, w->kt ) ) ) return;
	/* today's rules, on the version and on the entity as it is now: a
	 * past version never shows what today's visibility hides */
	/* (a version that is current holds today's facts, but what other
	 * overlays compute for it may differ between the point and now) */
	if ( current && !w->fixup ) {
		if ( !access_allowed( op, e, slap_schema.si_ad_entry, NULL, ACL_SEARCH, NULL ) )
			return;
	} else {
		int may;
		/* a present that cannot be read hides nothing: the search fails */
		if ( ( rc = bt_may_see( op, w->bi, w->txn, e, ACL_SEARCH, &may ) ) ) {
			walk_fail( w, rc );
			return;
		}
		if ( !may ) return;
	}
	/* a history listing is what moVersionOperation tells: a reader the
	 * ACLs do not let read it on the version gets no listing of it
	 * (slapo-bitemporal(5) AUTHORISATION) */
	if ( w->history && !access_allowed( op, e, bt_ad_versionOp, NULL, ACL_READ, NULL ) )
		return;
	/* test_filter() asks for search access to each attribute it tests */
	if ( test_filter( op, e, op->ors_filter ) != LDAP_COMPARE_TRUE )
		return;
	if ( w->history ) bt_prune_changed( op, e );
	send_entry( w, e );
}

/* The history cannot be read (rc: the LMDB code, MDB_CORRUPTED for what
 * cannot be decoded or followed, or another overlay's failure to complete
 * an entry): the search ends with an error, never with fewer entries than
 * there are. */
static void
walk_fail( bt_walk *w, int rc )
{
	if ( !w->read_err ) w->read_err = rc;
	w->stop = 1;
	w->err = LDAP_OTHER;
	w->errtext = "bitemporal: cannot read history";
}

/* Another overlay completes e as it was at (vt, kt) (bt_fixup); non-zero
 * (and the walk failed) when it cannot. */
static int
complete( bt_walk *w, Entry *e, bt_time vt, bt_time kt )
{
	bt_fixup *fx = w->fixup;

	fx->txn = w->txn;
	fx->vt = vt;
	fx->kt = kt;
	fx->err = 0;
	fx->fn( w->op, e, fx );
	if ( fx->err ) walk_fail( w, MDB_CORRUPTED );
	return fx->err;
}

/* One reconstructed entry: visited, kept (encoded) for the cache, or
 * sent.  The caller frees it. */
static void
emit( bt_walk *w, Entry *e, const bt_row *r )
{
	if ( w->visit ) {
		w->visit( e, w->visit_arg );
		return;
	}
	/* a kept point holds complete entries, whatever this search filters */
	if ( w->fixup && ( !w->complete_late || w->collect ) && complete( w, e, w->vt, w->kt ) )
		return;
	if ( w->collect ) {
		bt_cache *c = w->collect;
		if ( w->uncacheable ) return;
		if ( c->bytes >= BT_SHARE_POINTS( w->bi->bt_cache_max_bytes ) ) {
			/* an incomplete cache is no cache: searches walk instead */
			Debug( LDAP_DEBUG_STATS, "bitemporal: an as-of point is larger than "
				"its share of bitemporal-cache-size (%lu bytes): not kept\n",
				(unsigned long)BT_SHARE_POINTS( w->bi->bt_cache_max_bytes ) );
			w->uncacheable = 1;
			bt_cache_clear( c );
			return;
		}
		if ( c->n == c->max ) {
			c->max = c->max ? c->max * 2 : BT_CACHE_FIRST_SLOTS;
			c->e = ch_realloc( c->e, c->max * sizeof( bt_cached ) );
		}
		bt_cache_pack( e, &c->e[c->n].blob, &c->e[c->n].ndn );
		c->bytes += c->e[c->n].blob.bv_len + sizeof( bt_cached );
		c->e[c->n].valid = r->valid;
		c->e[c->n].superseded = r->superseded;
		c->n++;
		return;
	}
	send_one( w, e, is_current( r->valid, r->superseded ), w->complete_late );
}

/* One entity at (vt, kt), named dn/ndn at that point. */
static void
emit_at( bt_walk *w, bt_row *r, struct berval *dn, struct berval *ndn )
{
	struct berval d, n;
	Entry *e;

	ber_dupbv( &d, dn );
	ber_dupbv( &n, ndn );
	/* a visit (another overlay rebuilding the organisation) needs the
	 * attributes only; a client gets the version's periods too */
	e = bt_row_snapshot( w->bi, w->txn, r, &d, &n, w->visit ? 0 : BT_SNAP_PERIODS );
	if ( !e ) {
		ch_free( d.bv_val );
		ch_free( n.bv_val );
		walk_fail( w, MDB_CORRUPTED );
		return;
	}
	emit( w, e, r );
	bt_entry_release( e );
}

static void
set_time( Entry *e, AttributeDescription *ad, bt_time t )
{
	char buf[BT_TIME_BUFSZ];
	struct berval bv;

	attr_delete( &e->e_attrs, ad );
	if ( t == BT_INFINITY || t == BT_NEG_INFINITY ) return;
	bv.bv_len = bt_time_format( t, buf );
	bv.bv_val = buf;
	attr_merge_one( e, ad, &bv, &bv );
}

/* At most this many pieces of one version in a history listing. */
#define BT_PIECES_MAX 64

/* One version of a history listing, completed by the overlay that
 * computes some of its attributes: in pieces where those values may
 * change inside the version's period (each piece shows its own
 * moValidFrom/moValidTo and the values computed for its start), so that a
 * filter on a derived value finds the time it held. */
static void
list_pieces( bt_walk *w, bt_row *r, Entry *e, bt_time vt )
{
	bt_fixup *fx = w->fixup;
	bt_time at[BT_PIECES_MAX];
	int n = 0, i;

	fx->txn = w->txn;
	if ( fx->cuts ) n = fx->cuts( w->op, e, r->valid, at, BT_PIECES_MAX, fx );
	if ( n < 0 ) {
		walk_fail( w, MDB_CORRUPTED );
		return;
	}
	for ( i = 0; i <= n && !w->stop; i++ ) {
		bt_period piece;
		Entry *pe = e;

		piece.from = i ? at[i - 1] : r->valid.from;
		piece.to = i < n ? at[i] : r->valid.to;
		if ( n ) {
			pe = entry_dup( e );
			set_time( pe, bt_ad_validFrom, piece.from );
			set_time( pe, bt_ad_validTo, piece.to );
		}
		/* for the piece's start, the inputs as known now */
		if ( !complete( w, pe, piece.from == BT_NEG_INFINITY ? vt : piece.from, slap_get_time() ) )
			send_one( w, pe, is_current( piece, r->superseded ), 0 );
		if ( pe != e ) entry_free( pe );
	}
}

/* Every version of one entity, each under the DN it had then (history
 * listings reach an entity once: seen_before() guards the callers). */
static void
list_versions( bt_walk *w, const bt_uuid *u )
{
	bt_rows rows = { 0 };
	int i, rc;

	if ( ( rc = bt_rows_all( w->bi, w->txn, u, &rows ) ) ) {
		bt_rows_free( &rows );
		walk_fail( w, rc );
		return;
	}
	for ( i = 0; i < rows.n && !w->stop; i++ ) {
		bt_row *r = &rows.r[i];
		struct berval dn, ndn;
		Entry *e;
		/* the name as it was registered for the start of that version */
		bt_time vt = r->valid.from == BT_NEG_INFINITY ? r->recorded : r->valid.from;

		if ( ( rc = bt_row_dn( w->bi, w->txn, r, vt, r->recorded, &dn, &ndn ) ) ) {
			walk_fail( w, rc );
			break;
		}
		e = bt_row_snapshot( w->bi, w->txn, r, &dn, &ndn, BT_SNAP_PERIODS | BT_SNAP_REGISTRATION );
		if ( !e ) {
			ch_free( dn.bv_val );
			ch_free( ndn.bv_val );
			walk_fail( w, MDB_CORRUPTED );
			break;
		}
		if ( w->fixup ) list_pieces( w, r, e, vt );
		else send_one( w, e, is_current( r->valid, r->superseded ), 0 );
		bt_entry_release( e );
	}
	bt_rows_free( &rows );
}

typedef struct child_ctx {
	bt_walk *w;
	const bt_uuid *parent;
	struct berval *pdn, *pndn;
	int depth;			/* 1: one level; <0: the whole subtree */
	int level;			/* how far below the search base */
} child_ctx;

static void walk_children( bt_walk *w, const bt_uuid *parent,
	struct berval *pdn, struct berval *pndn, int depth, int level );

static int
child_fn( const bt_uuid *u, struct berval *nrdn, void *arg )
{
	child_ctx *c = arg;
	bt_walk *w = c->w;
	bt_row r;
	struct berval have, rdn, dn, ndn;
	int rc;

	if ( w->stop ) return 1;
	if ( w->history ) {
		/* every entity ever under this parent, and its own subtree */
		if ( seen_before( w, u ) ) return w->stop;
		list_versions( w, u );
		if ( c->depth < 0 ) walk_children( w, u, NULL, NULL, -1, c->level + 1 );
		return w->stop;
	}
	if ( ( rc = bt_row_at( w->bi, w->txn, u, w->vt, w->kt, &r ) ) ) {
		/* not there at this point; a child that cannot be read is not
		 * left out, the search fails */
		if ( rc != MDB_NOTFOUND ) walk_fail( w, rc );
		return w->stop;
	}
	/* an entity is listed under every name it ever had: only the name it
	 * has at this point counts */
	if ( memcmp( &r.parent, c->parent, sizeof( bt_uuid ) ) != 0 ) {
		bt_row_free( &r );
		return 0;
	}
	if ( ( rc = bt_row_nrdn( w->bi, &r, &have, &rdn ) ) ) {
		bt_row_free( &r );
		walk_fail( w, rc );
		return 1;
	}
	if ( !dn_match( &have, nrdn ) ) {
		bt_row_free( &r );
		return 0;
	}
	bt_dn_join( &dn, c->pdn, &rdn );
	bt_dn_join( &ndn, c->pndn, &have );
	emit_at( w, &r, &dn, &ndn );
	bt_row_free( &r );
	if ( c->depth < 0 && !w->stop ) walk_children( w, u, &dn, &ndn, -1, c->level + 1 );
	ch_free( dn.bv_val );
	ch_free( ndn.bv_val );
	return w->stop;
}

static void
walk_children( bt_walk *w, const bt_uuid *parent, struct berval *pdn,
	struct berval *pndn, int depth, int level )
{
	child_ctx c = { w, parent, pdn, pndn, depth, level };
	int rc;

	/* a cycle that an old history may hold ends here */
	if ( level >= BT_DEPTH_MAX ) {
		walk_fail( w, MDB_CORRUPTED );
		return;
	}
	if ( ( rc = bt_names_children( w->bi, w->txn, parent, child_fn, &c ) ) && !w->stop )
		walk_fail( w, rc );
}

/* A reconstructed search is answered in one page: a paged-results
 * request gets every entry and a response control with an empty cookie,
 * which tells the client that there is nothing more. */
static void
finish( bt_walk *w, int err, const char *text )
{
	Operation *op = w->op;
	SlapReply *rs = w->rs;
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	LDAPControl ctrl, *ctrls[2] = { NULL, NULL };
	BerElementBuffer berbuf;
	BerElement *ber = (BerElement *)&berbuf;
	struct berval cookie = BER_BVC( "" );
	int paged = get_pagedresults( op ) > SLAP_CONTROL_IGNORED && err == LDAP_SUCCESS;

	if ( err == SLAPD_ABANDON ) return;
	if ( paged ) {
		ber_init2( ber, NULL, LBER_USE_DER );
		ber_printf( ber, "{iO}", 0, &cookie );
		if ( ber_flatten2( ber, &ctrl.ldctl_value, 0 ) == 0 ) {
			ctrl.ldctl_oid = LDAP_CONTROL_PAGEDRESULTS;
			ctrl.ldctl_iscritical = 0;
			ctrls[0] = &ctrl;
			op->o_conn->c_pagedresults_state.ps_cookie = 0;
			rs->sr_ctrls = ctrls;
		}
	}
	rs->sr_err = err;
	rs->sr_text = text;
	rs->sr_matched = NULL;
	op->o_bd->bd_info = (BackendInfo *)on->on_info;
	send_ldap_result( op, rs );
	op->o_bd->bd_info = (BackendInfo *)on;
	rs->sr_text = NULL;
	rs->sr_ctrls = NULL;
	if ( paged ) ber_free_buf( ber );
}

/* ------------------------------------------------------------------ */
/* Big subtree searches at a point use the as-of cache (bt_cache.c): the
 * whole database as of one (validAt, knownAt), collected here by the same
 * walk, kept there.  A view "as known at" a time before the latest write
 * can never change, and one as known now changes only with the next
 * write, so the key is (validAt, min(knownAt, latest write)). */

static bt_time
effective_known( bt_walk *w )
{
	bt_time last = __atomic_load_n( &w->bi->bt_last_write, __ATOMIC_ACQUIRE );
	return last && w->kt > last ? last : w->kt;
}

/* The suffix or an entry right below it (ou=people, ou=organisation):
 * searches there read most of the database, which the cache holds; a
 * search below one unit is cheaper to walk than to cache everything. */
static int
big_subtree( Operation *op )
{
	struct berval *nsfx = &op->o_bd->be_nsuffix[0], p;

	if ( dn_match( &op->o_req_ndn, nsfx ) ) return 1;
	dnParent( &op->o_req_ndn, &p );
	return dn_match( &p, nsfx );
}

/* The whole database at the point into c; 0, or -1 when it does not
 * fit its share of bitemporal-cache-size or the history cannot be read
 * (w->stop). */
static int
point_collect( bt_walk *w, bt_cache *c )
{
	Operation *op = w->op;
	struct berval *sfx = &op->o_bd->be_suffix[0], *nsfx = &op->o_bd->be_nsuffix[0];
	bt_uuid root;
	bt_row rr;
	int rc;

	w->collect = c;
	if ( ( rc = bt_resolve( w->bi, w->txn, nsfx, w->vt, w->kt, &root, &rr ) ) == 0 ) {
		emit_at( w, &rr, sfx, nsfx );
		bt_row_free( &rr );
		if ( !w->stop && !w->uncacheable ) walk_children( w, &root, sfx, nsfx, -1, 0 );
	} else if ( rc != MDB_NOTFOUND ) {
		/* a point that could not be read whole is no point */
		walk_fail( w, rc );
	}
	w->collect = NULL;
	if ( w->stop || w->uncacheable ) {
		w->uncacheable = 0;
		return -1;
	}
	c->valid = 1;
	return 0;
}

static int
search_from_cache( bt_walk *w, bt_cache *c )
{
	Operation *op = w->op;
	int i;

	for ( i = 0; i < c->n && !w->stop; i++ ) {
		struct berval *ndn = &c->e[i].ndn;
		Entry *e;
		switch ( op->ors_scope ) {
		case LDAP_SCOPE_ONELEVEL: {
			struct berval p;
			if ( BER_BVISEMPTY( ndn ) ) continue;
			dnParent( ndn, &p );
			if ( !dn_match( &p, &op->o_req_ndn ) ) continue;
			break;
		}
		case LDAP_SCOPE_SUBTREE:
			if ( !dnIsSuffix( ndn, &op->o_req_ndn ) ) continue;
			break;
		case LDAP_SCOPE_SUBORDINATE:
			if ( dn_match( ndn, &op->o_req_ndn ) ||
				!dnIsSuffix( ndn, &op->o_req_ndn ) ) continue;
			break;
		default:
			continue;
		}
		e = bt_cache_unpack( &c->e[i].blob );
		send_one( w, e, is_current( c->e[i].valid, c->e[i].superseded ), 0 );
		bt_cache_entry_free( e );
	}
	finish( w, w->stop ? w->err : LDAP_SUCCESS, w->stop ? w->errtext : NULL );
	return w->rs->sr_err;
}

/* The base entry of an as-of search, rebuilt with its periods and
 * completed (bt_fixup) before the reader is judged on it: ACLs may name
 * what completing adds.  A base the reader may not disclose is answered
 * as one that does not exist then, with the same code and text.  Returns
 * 0 with *ep (the caller frees it) and *hidden set, or the LMDB code of
 * what could not be read (never taken for hidden: the search ends with
 * other). */
static int
base_entry( bt_walk *w, bt_row *r, Entry **ep, int *hidden )
{
	Operation *op = w->op;
	struct berval d, n;
	Entry *e;
	int rc = 0, may = 1;

	*ep = NULL;
	*hidden = 0;
	ber_dupbv( &d, &op->o_req_dn );
	ber_dupbv( &n, &op->o_req_ndn );
	e = bt_row_snapshot( w->bi, w->txn, r, &d, &n, BT_SNAP_PERIODS );
	if ( !e ) {
		ch_free( d.bv_val );
		ch_free( n.bv_val );
		return MDB_CORRUPTED;
	}
	if ( w->fixup && complete( w, e, w->vt, w->kt ) ) {
		entry_free( e );
		return MDB_CORRUPTED;
	}
	if ( be_isroot( op ) )
		;
	else if ( is_current( r->valid, r->superseded ) && !w->fixup )
		may = access_allowed( op, e, slap_schema.si_ad_entry, NULL, ACL_DISCLOSE, NULL );
	else
		rc = bt_may_see( op, w->bi, w->txn, e, ACL_DISCLOSE, &may );
	if ( rc ) {
		entry_free( e );
		return rc;
	}
	*hidden = !may;
	*ep = e;
	return 0;
}

/* An entity none of whose present the reader may disclose is left out of
 * a history listing as if it never had the name.  Returns 0 with *hidden
 * set, or the LMDB code of what could not be read. */
static int
entity_hidden( bt_walk *w, const bt_uuid *u, int *hidden )
{
	Entry *e;
	int rc, live;

	*hidden = 0;
	if ( be_isroot( w->op ) ) return 0;
	rc = bt_entry_now( w->op, w->bi, w->txn, u, &e, &live );
	if ( rc == MDB_NOTFOUND ) {
		/* a name without any version: nothing to show */
		*hidden = 1;
		return 0;
	}
	if ( rc ) return rc;
	*hidden = !access_allowed( w->op, e, slap_schema.si_ad_entry, NULL, ACL_DISCLOSE, NULL );
	bt_entry_now_done( w->op, w->bi, e, live );
	return 0;
}

/* The as-of base did not resolve: absent at that point (32), or a
 * history that cannot be read (80), never taken for absent. */
static int
asof_unresolved( bt_walk *w, int rc )
{
	if ( rc == MDB_NOTFOUND ) {
		finish( w, LDAP_NO_SUCH_OBJECT, BT_TEXT_NO_ENTRY_AT );
		return LDAP_NO_SUCH_OBJECT;
	}
	finish( w, LDAP_OTHER, "bitemporal: cannot read history" );
	return LDAP_OTHER;
}

/* A big subtree search answered from a kept point, or from one built
 * for it when the point was asked for before.  Returns 1 with the
 * search's result in *rc, or 0 when the caller must walk: a point being
 * put in (a moment) is never waited for, and a point asked for the first
 * time is walked (a new date each time, a report over the years, would
 * otherwise collect the whole database for every search). */
static int
search_points( bt_walk *w, int *rc )
{
	bt_info *bi = w->bi;
	bt_time kt = effective_known( w );
	/* a point holds what this read snapshot shows: keyed by the
	 * snapshot's LMDB transaction id, it is never stale, whoever
	 * committed since (our writes, oio's batches, LDAP transactions,
	 * activations) and whenever they counted themselves */
	unsigned long gen = (unsigned long)mdb_txn_id( w->txn );
	size_t share = BT_SHARE_POINTS( bi->bt_cache_max_bytes );
	bt_cache *c;

	if ( ( c = bt_point_use( bi, w->vt, kt, gen ) ) ) {
		*rc = search_from_cache( w, c );
		bt_point_release( bi );
		return 1;
	}
	if ( !bt_point_asked_before( bi, w->vt, kt, gen, share ) ) return 0;
	/* built outside any lock: no search, write or bind waits */
	c = ch_calloc( 1, sizeof( *c ) );
	c->vt = w->vt;
	c->kt = kt;
	c->gen = gen;
	if ( point_collect( w, c ) == 0 ) {
		*rc = search_from_cache( w, c );
		bt_point_keep( bi, c );
		return 1;
	}
	if ( !w->stop ) bt_point_too_big( bi, w->vt, kt, share );
	bt_cache_clear( c );
	ch_free( c );
	if ( w->stop ) {
		finish( w, w->err, w->errtext );
		*rc = w->rs->sr_err;
		return 1;
	}
	return 0;
}

static int
search_asof( bt_walk *w )
{
	Operation *op = w->op;
	bt_uuid base;
	bt_row r;
	Entry *be;
	struct berval dn, ndn;
	int rc, hidden;

	if ( ( rc = bt_resolve( w->bi, w->txn, &op->o_req_ndn, w->vt, w->kt, &base, &r ) ) )
		return asof_unresolved( w, rc );
	if ( ( rc = base_entry( w, &r, &be, &hidden ) ) ) {
		bt_row_free( &r );
		return asof_unresolved( w, rc );
	}
	if ( hidden ) {
		entry_free( be );
		bt_row_free( &r );
		finish( w, LDAP_NO_SUCH_OBJECT, BT_TEXT_NO_ENTRY_AT );
		return LDAP_NO_SUCH_OBJECT;
	}
	if ( op->ors_scope != LDAP_SCOPE_BASE && w->bi->bt_cache_max_bytes > 0 &&
		big_subtree( op ) ) {
		entry_free( be );
		be = NULL;
		bt_row_free( &r );
		if ( search_points( w, &rc ) ) return rc;
		if ( ( rc = bt_resolve( w->bi, w->txn, &op->o_req_ndn, w->vt, w->kt, &base, &r ) ) )
			return asof_unresolved( w, rc );
	}
	/* the DN as the client wrote it is the DN of that time */
	dn = op->o_req_dn;
	ndn = op->o_req_ndn;
	if ( op->ors_scope == LDAP_SCOPE_BASE || op->ors_scope == LDAP_SCOPE_SUBTREE ) {
		/* the base as judged above, complete already */
		if ( be ) send_one( w, be, is_current( r.valid, r.superseded ), 0 );
		else emit_at( w, &r, &dn, &ndn );
	}
	if ( be ) bt_entry_release( be );
	bt_row_free( &r );
	if ( !w->stop && op->ors_scope != LDAP_SCOPE_BASE )
		walk_children( w, &base, &dn, &ndn,
			op->ors_scope == LDAP_SCOPE_ONELEVEL ? 1 : -1, 0 );
	finish( w, w->stop ? w->err : LDAP_SUCCESS, w->stop ? w->errtext : NULL );
	return w->rs->sr_err;
}

static int
search_history( bt_walk *w )
{
	Operation *op = w->op;
	bt_uuid *cands = NULL;
	int n = 0, i, shown;

	if ( bt_ever_named( w->bi, w->txn, &op->o_req_ndn, &cands, &n ) ) {
		ch_free( cands );
		finish( w, LDAP_OTHER, "bitemporal: cannot read history" );
		return LDAP_OTHER;
	}
	for ( i = 0, shown = 0; i < n; i++ ) {
		int hidden;
		if ( entity_hidden( w, &cands[i], &hidden ) ) {
			ch_free( cands );
			finish( w, LDAP_OTHER, "bitemporal: cannot read history" );
			return LDAP_OTHER;
		}
		if ( hidden ) continue;
		cands[shown++] = cands[i];
	}
	if ( shown == 0 ) {
		ch_free( cands );
		finish( w, LDAP_NO_SUCH_OBJECT, BT_TEXT_NEVER_NAMED );
		return LDAP_NO_SUCH_OBJECT;
	}
	n = shown;
	for ( i = 0; i < n && !w->stop; i++ ) {
		if ( seen_before( w, &cands[i] ) ) continue;
		if ( op->ors_scope == LDAP_SCOPE_BASE || op->ors_scope == LDAP_SCOPE_SUBTREE )
			list_versions( w, &cands[i] );
		if ( op->ors_scope != LDAP_SCOPE_BASE && !w->stop )
			walk_children( w, &cands[i], NULL, NULL,
				op->ors_scope == LDAP_SCOPE_ONELEVEL ? 1 : -1, 0 );
	}
	ch_free( cands );
	finish( w, w->stop ? w->err : LDAP_SUCCESS, w->stop ? w->errtext : NULL );
	return w->rs->sr_err;
}

static int opwatch_response( Operation *op, SlapReply *rs );
static int opwatch_cleanup( Operation *op, SlapReply *rs );
static int asks_periods( Operation *op );

/* A plain search that asks for the period attributes of live entries
 * (bt_operational): a version that cannot be read must end it with other
 * (80), not leave the attributes out or the entry unsent.  back-mdb sends
 * no result for an entry whose operational attributes failed, except for
 * LDAP_BUSY, which ends the search; this callback makes that result
 * other (80), with the reason. */
typedef struct bt_opwatch {
	slap_callback cb;
	int failed;
} bt_opwatch;

static void
opwatch_install( Operation *op )
{
	bt_opwatch *ow = op->o_tmpcalloc( 1, sizeof( *ow ), op->o_tmpmemctx );

	ow->cb.sc_response = opwatch_response;
	ow->cb.sc_cleanup = opwatch_cleanup;
	ow->cb.sc_private = ow;
	ow->cb.sc_next = op->o_callback;
	op->o_callback = &ow->cb;
}

static int
opwatch_response( Operation *op, SlapReply *rs )
{
	bt_opwatch *ow = op->o_callback->sc_private;

	if ( rs->sr_type == REP_RESULT && ow->failed ) {
		rs->sr_err = LDAP_OTHER;
		rs->sr_text = "bitemporal: cannot read history";
	}
	return SLAP_CB_CONTINUE;
}

static int
opwatch_cleanup( Operation *op, SlapReply *rs )
{
	slap_callback *cb = op->o_callback;

	if ( rs->sr_type == REP_RESULT || op->o_abandon || rs->sr_err == SLAPD_ABANDON ) {
		op->o_callback = cb->sc_next;
		op->o_tmpfree( cb, op->o_tmpmemctx );
	}
	return SLAP_CB_CONTINUE;
}

static bt_opwatch *
opwatch_find( Operation *op )
{
	slap_callback *cb;

	for ( cb = op->o_callback; cb; cb = cb->sc_next )
		if ( cb->sc_response == opwatch_response ) return cb->sc_private;
	return NULL;
}

int
bt_op_search( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	bt_info *bi = on->on_bi.bi_private;
	bt_walk w;
	bt_reader rd;
	Operation as_root;
	int history = bt_has_ctrl( op, bt_history_cid );
	int rc;

	if ( !bi->bt_open ) return SLAP_CB_CONTINUE;
	if ( !history && !bt_has_ctrl( op, bt_asof_cid ) ) {
		if ( asks_periods( op ) ) opwatch_install( op );
		return SLAP_CB_CONTINUE;
	}

	memset( &w, 0, sizeof( w ) );
	w.op = op;
	w.rs = rs;
	w.bi = bi;
	w.history = history;
	{
		OpExtra *oex;
		LDAP_SLIST_FOREACH( oex, &op->o_extra, oe_next )
			if ( oex->oe_key == &bt_fixup_key ) w.fixup = (bt_fixup *)oex;
	}
	if ( !history ) {
		w.vt = bt_asof_of( op )->valid_at;
		w.kt = bt_asof_of( op )->known_at;
		/* an as-of search whose filter tests none of the computed values
		 * completes only what it sends: a search for one person by uid
		 * at a point computes that person's values, not everyone's */
		w.complete_late = w.fixup && !bt_filter_computed( bi, op->ors_filter );
		if ( w.complete_late && !BER_BVISEMPTY( &op->o_bd->be_rootndn ) ) {
			as_root = *op;
			as_root.o_ndn = op->o_bd->be_rootndn;
			as_root.o_dn = op->o_bd->be_rootdn;
			w.as_root = &as_root;
		}
	}
	if ( bt_read_begin( bi, op, &rd ) ) {
		finish( &w, LDAP_OTHER, "bitemporal: cannot read history" );
		return LDAP_OTHER;
	}
	w.txn = rd.txn;
	rc = history ? search_history( &w ) : search_asof( &w );
	bt_read_end( &rd );
	ch_free( w.seen );
	return rc == SLAPD_ABANDON ? SLAPD_ABANDON : rs->sr_err;
}

int
bt_visit_at( bt_info *bi, Operation *op, bt_time valid_at, bt_time known_at,
	void (*fn)( Entry *e, void *arg ), void *arg )
{
	bt_walk w;
	bt_reader rd;
	bt_uuid root;
	bt_row r;
	struct berval *suffix = &op->o_bd->be_suffix[0], *nsuffix = &op->o_bd->be_nsuffix[0];
	int rc;

	memset( &w, 0, sizeof( w ) );
	w.op = op;
	w.bi = bi;
	w.vt = valid_at;
	w.kt = known_at;
	w.visit = fn;
	w.visit_arg = arg;
	if ( ( rc = bt_read_begin( bi, op, &rd ) ) ) return rc;
	w.txn = rd.txn;
	if ( ( rc = bt_resolve( bi, w.txn, nsuffix, valid_at, known_at, &root, &r ) ) == 0 ) {
		emit_at( &w, &r, suffix, nsuffix );
		bt_row_free( &r );
		walk_children( &w, &root, suffix, nsuffix, -1, 0 );
	} else if ( rc != MDB_NOTFOUND ) {
		walk_fail( &w, rc );
	}
	bt_read_end( &rd );
	/* only a read error stops a visit (it sends nothing) */
	return w.stop ? ( w.read_err ? w.read_err : MDB_CORRUPTED ) : 0;
}

/* ------------------------------------------------------------------ */
static Attribute *attr_alloc_one( AttributeDescription *ad, struct berval *val );

static Attribute *
time_attr( AttributeDescription *ad, bt_time t )
{
	char buf[BT_TIME_BUFSZ];
	struct berval bv;

	bv.bv_len = bt_time_format( t, buf );
	bv.bv_val = buf;
	return attr_alloc_one( ad, &bv );
}

static Attribute *
attr_alloc_one( AttributeDescription *ad, struct berval *val )
{
	Attribute *a = attr_alloc( ad );

	a->a_vals = ch_malloc( 2 * sizeof( struct berval ) );
	ber_dupbv( &a->a_vals[0], val );
	BER_BVZERO( &a->a_vals[1] );
	a->a_nvals = a->a_vals;
	a->a_numvals = 1;
	return a;
}

static int
wanted( SlapReply *rs, AttributeDescription *ad )
{
	return SLAP_OPATTRS( rs->sr_attr_flags ) || ad_inlist( ad, rs->sr_attrs );
}

/* Whether a search asks for the period attributes by name, or for all
 * operational attributes. */
static int
asks_periods( Operation *op )
{
	AttributeName *an = op->ors_attrs;

	if ( !an || op->o_sync != SLAP_CONTROL_NONE ) return 0;
	return an_find( an, slap_bv_all_operational_attrs ) ||
		ad_inlist( bt_ad_validFrom, an ) || ad_inlist( bt_ad_validTo, an ) ||
		ad_inlist( bt_ad_recordedAt, an ) || ad_inlist( bt_ad_recordedBy, an );
}

/* The period attributes of the version valid and known now, appended at
 * *ap.  Returns an LMDB code: MDB_NOTFOUND (no version valid now: none
 * shown) is not an error, another code is. */
static int
period_attrs( bt_info *bi, Operation *op, SlapReply *rs, const bt_uuid *u, Attribute **ap )
{
	bt_reader rd;
	bt_row r;
	bt_time now;
	int rc;

	if ( ( rc = bt_read_begin( bi, op, &rd ) ) ) return rc;
	now = slap_get_time();
	if ( ( rc = bt_row_at( bi, rd.txn, u, now, now, &r ) ) == 0 ) {
		if ( wanted( rs, bt_ad_validFrom ) && r.valid.from != BT_NEG_INFINITY ) {
			*ap = time_attr( bt_ad_validFrom, r.valid.from );
			ap = &(*ap)->a_next;
		}
		if ( wanted( rs, bt_ad_validTo ) && r.valid.to != BT_INFINITY ) {
			*ap = time_attr( bt_ad_validTo, r.valid.to );
			ap = &(*ap)->a_next;
		}
		if ( wanted( rs, bt_ad_recordedAt ) && r.recorded != BT_NEG_INFINITY ) {
			*ap = time_attr( bt_ad_recordedAt, r.recorded );
			ap = &(*ap)->a_next;
		}
		if ( wanted( rs, bt_ad_recordedBy ) && r.actor.bv_len ) {
			*ap = attr_alloc_one( bt_ad_recordedBy, &r.actor );
			ap = &(*ap)->a_next;
		}
		bt_row_free( &r );
	}
	bt_read_end( &rd );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* moValidFrom, moValidTo, moRecordedAt and moRecordedBy of the current
 * version of a live entry, and moActivationError while a change that fell
 * due is not yet live, computed only when a client asks for them. */
int
bt_operational( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	bt_info *bi = on->on_bi.bi_private;
	Attribute **ap;
	bt_uuid u;
	int periods, rc;

	if ( !bi->bt_open || !rs->sr_entry ) return SLAP_CB_CONTINUE;
	if ( bt_has_ctrl( op, bt_asof_cid ) || bt_has_ctrl( op, bt_history_cid ) )
		return SLAP_CB_CONTINUE;	/* reconstructed entries carry them */
	/* a replica gets the live view: a stock consumer knows none of our
	 * attributes and would refuse the entry.  syncprov's persist phase
	 * replays changes on a copy of the search marked "ignored". */
	if ( op->o_sync != SLAP_CONTROL_NONE ) return SLAP_CB_CONTINUE;
	/* the common case (no operational attribute asked for) costs the
	 * checks of the list of attributes asked for, nothing more */
	periods = wanted( rs, bt_ad_validFrom ) || wanted( rs, bt_ad_validTo ) ||
		wanted( rs, bt_ad_recordedAt ) || wanted( rs, bt_ad_recordedBy );
	if ( !periods && !wanted( rs, bt_ad_activationError ) ) return SLAP_CB_CONTINUE;
	if ( attr_find( rs->sr_entry->e_attrs, bt_ad_validFrom ) ) return SLAP_CB_CONTINUE;
	if ( bt_entry_uuid( rs->sr_entry, &u ) ) return SLAP_CB_CONTINUE;
	for ( ap = &rs->sr_operational_attrs; *ap; ap = &(*ap)->a_next )
		;
	if ( wanted( rs, bt_ad_activationError ) ) {
		char buf[BT_ACTIVATION_ERROR_LEN];
		struct berval bv;
		if ( bt_activation_failed( bi, &u, buf, sizeof( buf ) ) ) {
			ber_str2bv( buf, 0, 0, &bv );
			*ap = attr_alloc_one( bt_ad_activationError, &bv );
			ap = &(*ap)->a_next;
		}
	}
	if ( periods && ( rc = period_attrs( bi, op, rs, &u, ap ) ) ) {
		bt_opwatch *ow = opwatch_find( op );
		Debug( LDAP_DEBUG_ANY, "bitemporal: cannot read the current version of \"%s\" (%s)\n",
			rs->sr_entry->e_name.bv_val, mdb_strerror( rc ) );
		/* a search ends (with other, through the watch); elsewhere the
		 * attributes are not there to answer: an error */
		if ( ow ) {
			ow->failed = 1;
			return LDAP_BUSY;
		}
		return LDAP_OTHER;
	}
	return SLAP_CB_CONTINUE;
}

size_t
bt_cache_size( bt_info *bi )
{
	/* set by cn=config while the thread pool is paused */
	return bi->bt_cache_max_bytes;
}
